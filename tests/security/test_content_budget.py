"""Content within the per-file limits cannot stall the site by adding up (issue 13, item 13).

13 lessons of ~126 KB of nested lists and brackets each passed `courses check`, yet
together made every page of every worker wait ~105 s for the catalogue. Now a course
and the whole catalogue have limits (Markdown bytes, nesting, render seconds), and a
file over one is a `path:line: message` error: its course is not served (or stays
served as it last was) while the other courses are served as fast as ever.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from learnapp.content.loader import MAX_FILE_BYTES, Limits, load_catalogue
from learnapp.content.markdown import MAX_NESTING_COLUMNS, MAX_OPEN_BRACKETS, FileRenderer
from learnapp.content.store import ContentStore

COURSE = "---\ntitle: {title}\nsummary: S\n---\nIntro.\n"


def dense_lesson(size: int = MAX_FILE_BYTES - 2048) -> str:
    """A lesson of nested lists full of brackets, just inside every per-file limit."""
    depth = MAX_NESTING_COLUMNS // 2 - 1
    block = "".join(
        " " * (2 * level) + "- " + "[" * MAX_OPEN_BRACKETS + "x" + "]" * MAX_OPEN_BRACKETS + "\n"
        for level in range(depth)
    )
    text = "# Dense\n\n"
    while len(text) + len(block) + 1 < size:
        text += block + "\n"
    return text


def slow_lesson(size: int = 48 * 1024) -> str:
    """A lesson of deep > quotes around links: slow to render, inside the per-file limits."""
    block = "".join(">" * depth + " [x](y " + "\n" for depth in range(1, 98)) + "\n"
    text = "# Slow\n\n"
    while len(text) + len(block) < size:
        text += block
    return text


def write_site(root: Path, heavy: dict[str, str], *, good: tuple[str, ...] = ("good",)) -> Path:
    """Good small courses first and last, and a `heavy` course with these lesson files."""
    names = [f"{index:02}-{slug}" for index, slug in enumerate((good[0], "heavy", *good[1:]), 1)]
    for folder in names:
        (root / "courses" / folder).mkdir(parents=True)
        (root / "courses" / folder / "course.md").write_text(COURSE.format(title=folder))
        if not folder.endswith("heavy"):
            (root / "courses" / folder / "01-fine.md").write_text("# Fine\n\nText.\n")
    for name, text in heavy.items():
        (root / "courses" / names[1] / name).write_text(text)
    (root / "quizzes").mkdir(exist_ok=True)
    return root


def thirteen_dense_lessons() -> dict[str, str]:
    lesson = dense_lesson()
    return {f"{number:02}-part-{number}.md": lesson for number in range(1, 14)}


def load(root: Path, limits: Limits | None = None):
    return load_catalogue(root / "courses", root / "quizzes", limits=limits)


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The files rendered, in order: what a limit saves is work, counted, not timed."""
    paths: list[str] = []
    render = FileRenderer.__call__

    def spy(self, text, **options):
        paths.append(self.path)
        return render(self, text, **options)

    monkeypatch.setattr(FileRenderer, "__call__", spy)
    return paths


def heavy_files(paths: list[str]) -> list[str]:
    return sorted({path.rsplit("/", 1)[1] for path in paths if "/02-heavy/" in path})


NESTED_TOO_DEEP = (
    "courses/02-heavy/03-part-3.md:991: the course's lines are nested 200,000 columns deep"
    " in all by here (indentation, > quotes, list markers): flatten its lists and quotes"
)


def test_thirteen_dense_lessons_are_over_the_course_limits_and_load_fast(tmp_path, rendered):
    catalogue = load(write_site(tmp_path, thirteen_dense_lessons()))
    assert [str(p) for p in catalogue.errors] == [NESTED_TOO_DEEP]
    assert list(catalogue.courses) == ["good"] and catalogue.excluded == ("heavy",)
    # two dense lessons rendered, not thirteen
    assert heavy_files(rendered) == ["01-part-1.md", "02-part-2.md", "course.md"]


def test_a_file_over_its_render_time_is_an_error_and_stops_quickly(tmp_path, rendered):
    root = write_site(tmp_path, {"01-slow.md": slow_lesson(), "02-next.md": slow_lesson()})
    catalogue = load(root, Limits(file_seconds=0.05))
    assert [str(p) for p in catalogue.errors] == [
        "courses/02-heavy/01-slow.md:1: rendering this file took more than 0.05 s:"
        " simplify or split it"
    ]
    assert list(catalogue.courses) == ["good"]
    assert "02-next.md" not in heavy_files(rendered)


def test_a_course_over_its_render_time_names_the_file_that_went_over(tmp_path, rendered):
    lessons = {f"{n:02}-slow-{n}.md": slow_lesson(8 * 1024) for n in range(1, 30)}
    catalogue = load(write_site(tmp_path, lessons), Limits(course_seconds=0.2))
    (error,) = catalogue.errors
    assert error.path.startswith("courses/02-heavy/") and error.line == 1
    assert "rendering the course took more than 0.2 s by this file" in error.message
    assert list(catalogue.courses) == ["good"]
    # Loading stops there: at most one file after it was started when time ran out.
    named = error.path.rsplit("/", 1)[1]
    lessons = [name for name in heavy_files(rendered) if name != "course.md"]
    assert len([name for name in lessons if name > named]) <= 1 and len(lessons) < 29


def test_a_course_over_its_byte_limit_is_an_error_at_the_line(tmp_path):
    text = "# Part\n\n" + ("Some text. " * 90 + "\n\n") * 100
    lessons = {f"{n:02}-part-{n}.md": text for n in range(1, 30)}
    catalogue = load(write_site(tmp_path, lessons))
    assert [str(p) for p in catalogue.errors] == [
        "courses/02-heavy/11-part-11.md:115: the course's Markdown files add up to more than"
        " 1,024 KB here: split it into several courses"
    ]


def test_a_course_over_its_nesting_limit_is_an_error_at_the_line(tmp_path):
    root = write_site(tmp_path, {"01-a.md": dense_lesson(8 * 1024)})
    catalogue = load(root, Limits(course_nesting=1000))
    (error,) = catalogue.errors
    assert str(error).startswith("courses/02-heavy/01-a.md:")
    assert "the course's lines are nested 1,000 columns deep in all by here" in error.message
    assert error.line > 1


def test_the_catalogue_limit_stops_loading_the_courses_after_it(tmp_path):
    root = write_site(tmp_path, {"01-a.md": "# A\n\n" + "Text.\n\n" * 1000}, good=("a", "z"))
    catalogue = load(root, Limits(catalogue_bytes=4 * 1024))
    assert [str(p) for p in catalogue.errors] == [
        "courses/02-heavy/01-a.md:1143: all courses' Markdown files add up to more than"
        " 4 KB here: the courses after it are not loaded",
        "courses/03-z: not loaded: the courses before it used up the catalogue's limits",
    ]
    assert list(catalogue.courses) == ["a"] and catalogue.excluded == ("heavy", "z")


def test_the_catalogue_render_time_limit_stops_loading_the_courses_after_it(tmp_path, rendered):
    root = write_site(tmp_path, {"01-slow.md": slow_lesson()}, good=("a", "z"))
    catalogue = load(root, Limits(catalogue_seconds=0.1))
    assert [str(p) for p in catalogue.errors] == [
        "courses/02-heavy/01-slow.md:1: rendering all courses took more than 0.1 s by this"
        " file: the courses after it are not loaded",
        "courses/03-z: not loaded: the courses before it used up the catalogue's limits",
    ]
    assert list(catalogue.courses) == ["a"]
    assert not [path for path in rendered if "/03-z/" in path]


def test_a_served_course_that_goes_over_a_limit_stays_served_as_it_was(tmp_path):
    root = write_site(tmp_path, {"01-one.md": "# One\n\nFirst version.\n"})
    store = ContentStore(str(root / "courses"), str(root / "quizzes"), check_interval=0)
    assert "heavy" in store.catalogue().courses
    (root / "courses" / "02-heavy" / "01-one.md").write_text(slow_lesson())
    store.limits = Limits(file_seconds=0.05)
    catalogue = store.catalogue()
    assert "First version." in catalogue.courses["heavy"].lessons[0].html
    assert "took more than 0.05 s" in str(catalogue.errors[0])


def test_while_one_thread_reloads_the_others_serve_the_catalogue_they_have(tmp_path):
    root = write_site(tmp_path, {"01-one.md": "# One\n"})
    store = ContentStore(str(root / "courses"), str(root / "quizzes"), check_interval=0)
    before = store.catalogue()
    (root / "courses" / "02-heavy" / "01-one.md").write_text(slow_lesson(96 * 1024))
    reloading = threading.Thread(target=store.catalogue)
    reloading.start()
    for _ in range(500):  # until the reload holds the lock and is rendering
        if store._lock.locked():
            break
        time.sleep(0.01)
    served = store.catalogue()  # had it waited for the lock, it would be the new one
    reloading.join()
    assert served is before
    assert store.catalogue() is not before


class TestThroughTheApp:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        root = write_site(tmp_path / "site", thirteen_dense_lessons())
        return {"COURSES_DIR": str(root / "courses"), "QUIZZES_DIR": str(root / "quizzes")}

    def test_courses_check_reports_the_course_over_its_limits(self, runner):
        result = runner.invoke(args=["courses", "check"])
        assert result.exit_code == 1
        assert NESTED_TOO_DEEP in result.output.splitlines()

    def test_the_course_is_not_served_and_the_others_are_served_quickly(self, client, rendered):
        client.get("/")  # the first load of the catalogue
        assert client.get("/courses/heavy").status_code == 404
        loaded = len(rendered)
        for _ in range(5):
            assert client.get("/courses/good").status_code == 200
        assert len(rendered) == loaded  # served from the loaded catalogue, nothing re-rendered
