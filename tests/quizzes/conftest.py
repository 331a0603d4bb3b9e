"""Helpers for the pure quiz tests: a small course and a parse function bound to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer
from learnapp.content.quiz import parse_quiz

from .helpers import make_course

QUIZ_PATH = "quizzes/c/01-quiz.md"


@pytest.fixture
def parse(tmp_path: Path):
    """parse(text, **course options) -> (quiz or None, problem strings)."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "map.png").write_bytes(b"png")

    def run(text: str, *, path: str = QUIZ_PATH, **options):
        course = make_course(folder=str(tmp_path), **options)
        slugs = {lesson.filename: lesson.slug for lesson in course.lessons}
        render = FileRenderer(path, CourseLinks(str(tmp_path), "/courses/c", slugs))
        quiz, problems = parse_quiz(text, path=path, course=course, render=render)
        return quiz, [str(problem) for problem in problems]

    return run
