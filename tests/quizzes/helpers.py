"""Shared values for the quiz tests."""

from __future__ import annotations

from learnapp.content.model import Course, Lesson


def make_course(lessons=("intro", "end"), pass_mark=70, folder="/nonexistent") -> Course:
    """A course value with these lesson slugs, as the loader passes it to the quiz parser."""
    return Course(
        slug="c", dirname="01-c", path=folder, title="C", summary="", intro_html="",
        language="en", status="published", estimated_minutes=None, pass_mark=pass_mark,
        certificate=True, certificate_valid_months=None, sequential=False, authors=(),
        format=1, quizzes=(), version="",
        lessons=tuple(
            Lesson(slug, f"0{n}-{slug}.md", n, slug, "", "") for n, slug in enumerate(lessons, 1)
        ),
    )  # fmt: skip
