"""The frozen content values: problem text, step order, lookups."""

from __future__ import annotations

from types import MappingProxyType

from learnapp.content.model import Catalogue, Course, Lesson, Problem, Quiz


def _lesson(slug: str, position: int) -> Lesson:
    return Lesson(slug, f"0{position}-{slug}.md", position, slug.title(), "", "")


def _quiz(slug: str, after: str | None) -> Quiz:
    return Quiz(slug, f"{slug}.md", slug, after, 70, None, False, None, "after_pass", (), "")


def _course(lessons, quizzes) -> Course:
    return Course(
        "c", "01-c", "/c", "C", "", "", "en", "published", None, 70, True, None, False, (), 1,
        tuple(lessons), tuple(quizzes), "0" * 64,
    )  # fmt: skip


def test_problem_prints_path_line_and_message():
    problem = Problem("quizzes/origins/01-check.md", 14, "option marked (x) twice", "error")
    assert str(problem) == "quizzes/origins/01-check.md:14: option marked (x) twice"


def test_warning_is_prefixed_in_the_message_part():
    problem = Problem("courses/x/01-a.md", 3, "raw HTML <script> will be stripped", "warning")
    assert str(problem) == "courses/x/01-a.md:3: warning: raw HTML <script> will be stripped"


def test_problem_about_a_whole_file_has_no_line_number():
    assert str(Problem("courses/03-x", 0, "course folder has no course.md")) == (
        "courses/03-x: course folder has no course.md"
    )


def test_items_put_each_quiz_after_its_lesson_in_quiz_order():
    course = _course(
        [_lesson("a", 1), _lesson("b", 2)],
        [_quiz("mid", "a"), _quiz("final", "b"), _quiz("also-mid", "a")],
    )
    assert [item.slug for item in course.items()] == ["a", "mid", "also-mid", "b", "final"]


def test_items_of_a_course_without_lessons_are_its_quizzes():
    course = _course([], [_quiz("only", None)])
    assert [item.slug for item in course.items()] == ["only"]


def test_course_finds_lessons_and_quizzes_by_slug():
    course = _course([_lesson("a", 1)], [_quiz("q", "a")])
    assert course.lesson("a").position == 1
    assert course.quiz("q").after == "a"
    assert course.lesson("missing") is None
    assert course.quiz("missing") is None


def test_catalogue_splits_errors_from_warnings():
    error = Problem("p", 1, "bad", "error")
    warning = Problem("p", 2, "meh", "warning")
    catalogue = Catalogue(MappingProxyType({}), (error, warning))
    assert catalogue.errors == (error,)
    assert catalogue.warnings == (warning,)
