"""Hostile content files are refused with a `path:line: message`, fast, and the rest is served.

Python-Markdown needs quadratic time (or recurses past Python's limit) on deep nesting;
before the limits, 10 KB of `[` took 30 s, 4 MB of nested lists over a minute, and
10,000 `*` around a word raised RecursionError out of the loader, taking the site down.

"Fast" is counted, not timed (a shared machine's clock proves nothing): the function calls
(Python and C, regular expressions included) that loading makes, against loading an
ordinary lesson of the largest size allowed. Quadratic work shows as many times that.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from learnapp.content.loader import MAX_FILE_BYTES, load_catalogue
from learnapp.content.markdown import MAX_HEADINGS, MAX_NESTING_COLUMNS, MAX_OPEN_BRACKETS

COURSE = "---\ntitle: {title}\nsummary: S\n---\nIntro.\n"
# Work allowed, in multiples of loading an ordinary lesson of MAX_FILE_BYTES (measured:
# refusing costs at most 1.5x, the worst content within the limits about 6x).
REFUSING = 2
WORST_WITHIN_LIMITS = 10


def site(tmp_path: Path, lesson: str, quiz: str | None = None) -> Path:
    """A site with a good course and a course whose one lesson (and quiz) is `lesson`."""
    for folder, title in (("01-good", "Good"), ("02-bad", "Bad")):
        (tmp_path / "courses" / folder).mkdir(parents=True)
        (tmp_path / "courses" / folder / "course.md").write_text(COURSE.format(title=title))
    (tmp_path / "courses" / "01-good" / "01-fine.md").write_text("# Fine\n\nText.\n")
    (tmp_path / "courses" / "02-bad" / "01-lesson.md").write_text(lesson)
    (tmp_path / "quizzes" / "bad").mkdir(parents=True)
    if quiz is not None:
        (tmp_path / "quizzes" / "bad" / "01-quiz.md").write_text(quiz)
    return tmp_path


# Counted in a fresh interpreter: a profile hook in the test session could meet one left by
# another test (hypothesis, coverage) and would then count, or cost, something else.
COUNTER = """
import json, sys
from learnapp.content.loader import load_catalogue
root = sys.argv[1]
calls = 0
def count(frame, event, arg):
    global calls
    if event in ("call", "c_call"):
        calls += 1
sys.setprofile(count)
catalogue = load_catalogue(root + "/courses", root + "/quizzes")
sys.setprofile(None)
print(json.dumps({"calls": calls}))
"""


def load_counted(root: Path):
    """The catalogue, and how many function calls loading it made (Python and C)."""
    out = subprocess.run(
        [sys.executable, "-c", COUNTER, str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    calls = json.loads(out.stdout.strip().splitlines()[-1])["calls"]
    return load_catalogue(root / "courses", root / "quizzes"), calls


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory) -> int:
    """The calls of loading an ordinary lesson of the largest size allowed."""
    lesson = "# Big\n\n" + ("Plain prose, nothing nested. " * 3 + "\n\n") * (MAX_FILE_BYTES // 90)
    lesson = lesson[: MAX_FILE_BYTES - 1] + "\n"
    catalogue, calls = load_counted(site(tmp_path_factory.mktemp("ordinary"), lesson))
    assert catalogue.errors == ()
    return calls


HOSTILE = {
    "huge lesson": (
        "# Huge\n\n" + "All work and no play makes a dull lesson.\n\n" * 30_000,
        "courses/02-bad/01-lesson.md: the file is 1,260 KB; a content file may be at most"
        " 128 KB: split it into several lessons",
    ),
    "10,000 nested quotes": (
        "# Quotes\n\n" + ">" * 10_000 + " deep\n",
        "courses/02-bad/01-lesson.md:3: line is nested 10001 columns deep (indentation,"
        " > quotes, list markers); at most 100 are allowed: flatten it",
    ),
    "deeply nested list": (
        "# Lists\n\n" + "".join("  " * depth + "- item\n" for depth in range(200)),
        "courses/02-bad/01-lesson.md:53: line is nested 102 columns deep (indentation,"
        " > quotes, list markers); at most 100 are allowed: flatten it",
    ),
    "list markers on one line": (
        "# Markers\n\n" + "- " * 5_000 + "x\n",
        "courses/02-bad/01-lesson.md:3: line is nested 10000 columns deep (indentation,"
        " > quotes, list markers); at most 100 are allowed: flatten it",
    ),
    "10,000 nested stars": (
        "# Stars\n\n" + "*" * 10_000 + "word" + "*" * 10_000 + "\n",
        "courses/02-bad/01-lesson.md: the Markdown is nested too deeply to render"
        " (such as * or _ hundreds deep)",
    ),
    "10,000 open brackets": (
        "# Brackets\n\n" + "[" * 10_000 + "x" + "](y)" * 10 + "\n",
        "courses/02-bad/01-lesson.md:3: more than 16 [ brackets are open at once:"
        " close them, or write \\[ for a literal [",
    ),
    "a heading repeated 10,000 times": (
        "# Same\n" * 10_000,
        "courses/02-bad/01-lesson.md:1001: more than 1000 headings in one file:"
        " split it into several",
    ),
}


@pytest.mark.parametrize("content, problem", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_lesson_is_refused_fast_and_the_rest_is_served(
    tmp_path, ordinary, content, problem
):
    catalogue, calls = load_counted(site(tmp_path, content))
    assert problem in [str(p) for p in catalogue.errors]
    assert list(catalogue.courses) == ["good"] and catalogue.excluded == ("bad",)
    assert calls < REFUSING * ordinary, (calls, ordinary)


def test_hostile_quiz_is_refused_like_a_lesson(tmp_path, ordinary):
    quiz = "---\ntitle: Q\n---\n" + "## Which?\n- (x) " + "[" * 5_000 + "\n- ( ) no\n"
    catalogue, calls = load_counted(site(tmp_path, "# Fine\n", quiz))
    assert [str(p) for p in catalogue.errors] == [
        "quizzes/bad/01-quiz.md:5: more than 16 [ brackets are open at once:"
        " close them, or write \\[ for a literal ["
    ]
    assert catalogue.excluded == ("bad",) and calls < REFUSING * ordinary


def test_a_file_of_exactly_the_size_limit_is_read(tmp_path):
    lesson = "# Big\n\n" + ("x" * 99 + "\n\n") * (MAX_FILE_BYTES // 101)
    lesson += "y" * (MAX_FILE_BYTES - len(lesson))
    assert len(lesson.encode()) == MAX_FILE_BYTES
    catalogue, _ = load_counted(site(tmp_path, lesson))
    assert catalogue.errors == ()
    (tmp_path / "courses" / "02-bad" / "01-lesson.md").write_text(lesson + "z")
    assert "at most 128 KB" in str(load_counted(tmp_path)[0].errors[0])


def test_the_worst_content_within_the_limits_still_renders_in_bounded_time(tmp_path, ordinary):
    deepest_list = "".join(
        " " * (2 * depth) + "- item\n" for depth in range(MAX_NESTING_COLUMNS // 2 - 1)
    )
    brackets = "[" * MAX_OPEN_BRACKETS + "open " * 300 + "\n\n"
    headings = "## Same heading\n\n" * (MAX_HEADINGS - 10)
    lesson = "---\ntitle: Worst\n---\n" + (deepest_list + "\n" + brackets) * 20 + headings
    assert len(lesson.encode()) < MAX_FILE_BYTES
    catalogue, calls = load_counted(site(tmp_path, lesson))
    assert catalogue.errors == () and set(catalogue.courses) == {"good", "bad"}
    assert calls < WORST_WITHIN_LIMITS * ordinary, (calls, ordinary)
