"""The live course catalogue of this app: loaded from the content folders, reloaded on change."""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app
from flask_login import current_user

from learnapp.content.model import Catalogue, Course
from learnapp.content.store import ContentStore

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.add_template_global(step_url)
    app.extensions["learnapp.content"] = ContentStore(
        app.config["COURSES_DIR"],
        app.config["QUIZZES_DIR"],
        check_interval=float(app.config["CONTENT_RELOAD_SECONDS"]),
        on_problem=lambda problem: log.warning("content problem: %s", problem),
    )


def catalogue() -> Catalogue:
    """The current catalogue (checked for changes at most once per interval)."""
    return current_app.extensions["learnapp.content"].catalogue()


def can_see(course: Course) -> bool:
    """Published courses are public; drafts are for trainers and admins."""
    return course.status == "published" or (current_user.is_authenticated and current_user.is_staff)


def visible_courses() -> list[Course]:
    """The courses the current user may see, in folder order."""
    return [course for course in catalogue().courses.values() if can_see(course)]


def course_or_404(slug: str) -> Course:
    """The course with this slug, if the current user may see it."""
    course = catalogue().courses.get(slug)
    if course is None or not can_see(course):
        abort(404)
    return course


def step_url(course: Course, step) -> str:
    """The page of a lesson or a quiz."""
    from flask import url_for

    from learnapp.progress.rules import step_kind

    if step_kind(step) == "quiz":
        return url_for("quizzes.take", course_slug=course.slug, quiz_slug=step.slug)
    return url_for("progress.lesson", course_slug=course.slug, lesson_slug=step.slug)
