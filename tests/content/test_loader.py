"""Loading whole trees: what a valid course holds, and every problem a broken tree has."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from learnapp.content.loader import load_catalogue, stat_signature
from learnapp.content.model import Lesson, Quiz

from .helpers import EXPECTED_BROKEN, FIXTURES, MINIMAL_COURSE

BROKEN = FIXTURES / "broken"


def load(root: Path):
    return load_catalogue(root / "courses", root / "quizzes")


@pytest.fixture(scope="module")
def broken():
    return load(BROKEN)


@pytest.fixture(scope="module")
def tiny():
    catalogue = load(FIXTURES / "valid")
    assert catalogue.problems == ()
    return catalogue.courses["tiny-course"]


def test_valid_course_reads_every_course_key(tiny):
    assert (tiny.slug, tiny.dirname, tiny.title) == (
        "tiny-course",
        "01-tiny-course",
        "A Tiny Course",
    )
    assert tiny.summary.startswith("Everything the content format can say")
    assert (tiny.language, tiny.status, tiny.estimated_minutes) == ("fr-CH", "draft", 20)
    assert (tiny.pass_mark, tiny.certificate, tiny.certificate_valid_months) == (60, True, 24)
    assert (tiny.sequential, tiny.authors, tiny.format) == (True, ("Ana", "Bo Li"), 1)
    assert tiny.path == str(FIXTURES / "valid" / "courses" / "01-tiny-course")
    assert tiny.certificate_template == os.path.join(tiny.path, "certificate.html")
    assert "<strong>tiny course</strong>" in tiny.intro_html
    assert len(tiny.version) == 64


def test_course_defaults_apply_when_keys_are_left_out(make_tree):
    course = load(make_tree(MINIMAL_COURSE)).courses["c"]
    assert (course.language, course.status, course.pass_mark) == ("en", "published", 70)
    assert (course.certificate, course.sequential, course.format) == (True, False, 1)
    assert (course.estimated_minutes, course.certificate_valid_months, course.authors) == (
        None,
        None,
        (),
    )
    assert course.certificate_template is None


def test_lessons_take_slugs_positions_and_titles(tiny):
    assert [(x.slug, x.filename, x.position, x.title) for x in tiny.lessons] == [
        ("welcome", "01-welcome.md", 1, "Welcome to the course"),
        ("second-steps", "02-second-steps.md", 2, "Second Steps"),
    ]
    assert tiny.lessons[0].source_path == os.path.join(tiny.path, "01-welcome.md")


def test_lesson_links_become_app_urls(tiny):
    html = tiny.lesson("welcome").html
    assert 'href="/courses/tiny-course/second-steps#tables"' in html
    assert 'src="/courses/tiny-course/assets/images/diagram.svg"' in html
    assert 'href="/courses/tiny-course/assets/files/handout.txt"' in html


def test_quizzes_are_placed_after_lessons_and_default_to_the_end(tiny):
    check, final = tiny.quizzes
    assert (check.slug, check.after, check.title) == ("check", "welcome", "Check")
    assert (final.slug, final.after, final.title) == ("final", "second-steps", "Final assessment")
    assert [(type(x), x.slug) for x in tiny.items()] == [
        (Lesson, "welcome"),
        (Quiz, "check"),
        (Lesson, "second-steps"),
        (Quiz, "final"),
    ]


def test_quiz_front_matter_and_course_pass_mark_default(tiny):
    check, final = tiny.quizzes
    assert (check.pass_mark, check.max_attempts, check.reveal, check.shuffle) == (
        60,
        3,
        "always",
        False,
    )
    assert (final.pass_mark, final.max_attempts, final.reveal) == (60, None, "after_pass")
    assert (final.shuffle, final.draw) == (True, 2)
    assert check.source_path.endswith(os.path.join("quizzes", "tiny-course", "01-check.md"))


@pytest.mark.parametrize("expected", EXPECTED_BROKEN)
def test_broken_tree_reports(broken, expected):
    assert expected in [str(problem) for problem in broken.problems]


def test_broken_tree_reports_nothing_else_in_order(broken):
    assert [str(problem) for problem in broken.problems] == EXPECTED_BROKEN


def test_course_with_errors_is_left_out_and_the_rest_are_served(broken):
    assert list(broken.courses) == ["warnings-only"]
    assert broken.excluded == ("bad-course", "bad-yaml", "no-course-file", "quiz-errors")


def test_warnings_do_not_exclude_a_course(broken):
    lesson = broken.courses["warnings-only"].lesson("raw-html")
    assert "onerror" not in lesson.html
    assert "<iframe" not in lesson.html
    assert "javascript" not in lesson.html


def test_renumbering_a_lesson_keeps_its_slug_and_links(valid_tree):
    before = load(valid_tree).courses["tiny-course"]
    folder = valid_tree / "courses" / "01-tiny-course"
    (folder / "02-second-steps.md").rename(folder / "07-second-steps.md")
    after = load(valid_tree)
    assert after.problems == ()
    course = after.courses["tiny-course"]
    assert [x.slug for x in course.lessons] == [x.slug for x in before.lessons]
    assert course.lesson("second-steps").filename == "07-second-steps.md"
    assert 'href="/courses/tiny-course/second-steps#tables"' in course.lesson("welcome").html


def test_reordering_lessons_by_prefix_changes_positions_not_slugs(valid_tree):
    folder = valid_tree / "courses" / "01-tiny-course"
    (folder / "01-welcome.md").rename(folder / "03-welcome.md")
    course = load(valid_tree).courses["tiny-course"]
    assert [(x.slug, x.position) for x in course.lessons] == [("second-steps", 1), ("welcome", 2)]


def test_version_is_stable_while_files_are_unchanged(valid_tree):
    first = load(valid_tree).courses["tiny-course"].version
    quiz = valid_tree / "quizzes" / "tiny-course" / "01-check.md"
    os.utime(quiz, ns=(1, 1))  # touched, same bytes
    assert load(valid_tree).courses["tiny-course"].version == first


@pytest.mark.parametrize(
    "change",
    [
        "courses/01-tiny-course/01-welcome.md",
        "courses/01-tiny-course/images/diagram.svg",
        "quizzes/tiny-course/02-final.md",
    ],
)
def test_version_changes_when_any_course_file_changes(valid_tree, change):
    first = load(valid_tree).courses["tiny-course"].version
    with open(valid_tree / change, "a", encoding="utf-8") as handle:
        handle.write("\n<!-- edited -->\n")
    assert load(valid_tree).courses["tiny-course"].version != first


def test_version_changes_when_an_asset_is_added(valid_tree):
    first = load(valid_tree).courses["tiny-course"].version
    (valid_tree / "courses" / "01-tiny-course" / "images" / "new.svg").write_text("<svg/>")
    assert load(valid_tree).courses["tiny-course"].version != first


def test_stat_signature_notices_edits_additions_and_removals(valid_tree):
    courses, quizzes = valid_tree / "courses", valid_tree / "quizzes"
    signature = stat_signature(courses, quizzes)
    assert stat_signature(courses, quizzes) == signature
    lesson = courses / "01-tiny-course" / "01-welcome.md"
    lesson.write_text(lesson.read_text() + "More.\n")
    edited = stat_signature(courses, quizzes)
    assert edited != signature
    (quizzes / "tiny-course" / "03-more.md").write_text("x")
    added = stat_signature(courses, quizzes)
    assert added != edited
    (quizzes / "tiny-course" / "03-more.md").unlink()
    assert stat_signature(courses, quizzes) != added


def test_stat_signature_notices_a_renamed_course_folder(valid_tree):
    courses, quizzes = valid_tree / "courses", valid_tree / "quizzes"
    os.utime(courses, ns=(1, 1))
    signature = stat_signature(courses, quizzes)
    (courses / "01-tiny-course").rename(courses / "02-tiny-course")
    assert stat_signature(courses, quizzes) != signature


def test_stat_signature_of_missing_folders_is_empty(tmp_path):
    assert stat_signature(tmp_path / "none", tmp_path / "nothing") == (0, 0, 0)


def test_missing_courses_folder_is_a_problem_not_a_crash(tmp_path):
    catalogue = load_catalogue(tmp_path / "courses", tmp_path / "quizzes")
    assert [str(p) for p in catalogue.problems] == ["courses: the courses folder is missing"]


def test_two_folders_with_one_slug_are_an_error(make_tree):
    root = make_tree(
        {**MINIMAL_COURSE, "courses/02-c/course.md": "---\ntitle: C\nsummary: S\n---\n"}
    )
    catalogue = load(root)
    assert [str(p) for p in catalogue.problems] == [
        'courses/02-c: course slug "c" is already used by 01-c'
    ]
    assert list(catalogue.courses) == ["c"]


def test_lesson_slug_used_by_app_routes_is_an_error(make_tree):
    catalogue = load(make_tree({**MINIMAL_COURSE, "courses/01-c/02-assets.md": "# Assets\n"}))
    assert [str(p) for p in catalogue.errors] == [
        'courses/01-c/02-assets.md: lesson slug "assets" is reserved for the app\'s own pages:'
        " rename it"
    ]


def test_lesson_without_a_title_is_an_error(make_tree):
    catalogue = load(make_tree({**MINIMAL_COURSE, "courses/01-c/02-two.md": "Just text.\n"}))
    assert [str(p) for p in catalogue.errors] == [
        "courses/01-c/02-two.md:1: lesson has no title: add 'title:' front matter or a '# heading'"
    ]


def test_lesson_front_matter_accepts_only_a_title(make_tree):
    files = {**MINIMAL_COURSE, "courses/01-c/02-two.md": "---\ntitle: Two\nauthor: me\n---\n"}
    assert [str(p) for p in load(make_tree(files)).errors] == [
        'courses/01-c/02-two.md:3: unknown front-matter key "author" (known keys: title)'
    ]


def test_file_that_is_not_utf8_is_an_error_with_its_line(make_tree):
    files = {**MINIMAL_COURSE, "courses/01-c/02-two.md": b"# Two\n\nCaf\xe9\n"}
    assert [str(p) for p in load(make_tree(files)).errors] == [
        "courses/01-c/02-two.md:3: the file is not UTF-8 text; save it as UTF-8"
    ]


def test_byte_order_mark_and_windows_line_ends_are_read(make_tree):
    files = {
        "courses/01-c/course.md": "\ufeff---\r\ntitle: C\r\nsummary: S\r\npass_mark: 50\r\n---\r\n",
        "courses/01-c/01-one.md": "# One\r\n\r\n[x](missing.md)\r\n",
    }
    catalogue = load(make_tree(files))
    assert [str(p) for p in catalogue.problems] == [
        "courses/01-c/01-one.md:3: broken link missing.md: no such file in the course folder"
    ]


def test_course_without_lessons_is_served_with_a_warning(make_tree):
    catalogue = load(make_tree({"courses/01-c/course.md": "---\ntitle: C\nsummary: S\n---\n"}))
    assert [str(p) for p in catalogue.problems] == [
        "courses/01-c/course.md: warning: course has no lessons yet"
    ]
    assert "c" in catalogue.courses


def test_course_md_without_front_matter_is_an_error(make_tree):
    files = {**MINIMAL_COURSE, "courses/01-c/course.md": "Just an intro.\n"}
    assert [str(p) for p in load(make_tree(files)).errors] == [
        "courses/01-c/course.md:1: course.md must start with '---' front matter",
        'courses/01-c/course.md:1: front-matter key "title" is missing (it is required)',
        'courses/01-c/course.md:1: front-matter key "summary" is missing (it is required)',
    ]


def test_hidden_files_and_folders_are_ignored(make_tree):
    files = {**MINIMAL_COURSE, "courses/.git/x": "x", "courses/01-c/.notes.md": "x"}
    assert load(make_tree(files)).problems == ()


def test_paths_are_shown_relative_to_the_given_root(make_tree):
    root = make_tree({**MINIMAL_COURSE, "courses/01-c/02-two.md": "Just text.\n"})
    catalogue = load_catalogue(root / "courses", root / "quizzes", root=root.parent)
    assert catalogue.errors[0].path == "tree/courses/01-c/02-two.md"


def test_url_prefix_is_used_for_links(make_tree):
    files = {**MINIMAL_COURSE, "courses/01-c/02-two.md": "# Two\n\n[one](01-one.md)\n"}
    catalogue = load_catalogue(*(make_tree(files) / d for d in ("courses", "quizzes")), "/learn/")
    assert 'href="/learn/c/one"' in catalogue.courses["c"].lesson("two").html
