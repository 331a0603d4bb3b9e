"""The live course catalogue of this app: loaded from the content folders, reloaded on change."""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from learnapp.content.loader import Limits
from learnapp.content.model import Catalogue, Course
from learnapp.content.store import ContentStore

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.add_template_global(step_url)
    app.add_template_global(course_languages)
    app.context_processor(kept_course_notice)
    app.extensions["learnapp.content"] = ContentStore(
        app.config["COURSES_DIR"],
        app.config["QUIZZES_DIR"],
        check_interval=float(app.config["CONTENT_RELOAD_SECONDS"]),
        on_problem=lambda problem: log.warning("content problem: %s", problem),
        limits=content_limits(app),
    )


def content_limits(app: Flask) -> Limits:
    """The content limits, with any set in `CONTENT_LIMITS` (e.g. instance/config.py)."""
    return Limits(**app.config.get("CONTENT_LIMITS", {}))


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


def reading_course(course: Course) -> Course:
    """The course in the language it is read in: `?lang=xx` on one of its pages (remembered
    for this course), else the one chosen before, else the learner's language; its default
    when it has no such variant. Steps with no variant in that language stay in the default."""
    on_its_page = (request.view_args or {}).get("course_slug") == course.slug
    chosen = request.args.get("lang") if on_its_page else None
    remembered = session.get("reading", {})
    if chosen in course.languages:
        if remembered.get(course.slug) != chosen:
            session["reading"] = {**remembered, course.slug: chosen}
    else:
        chosen = remembered.get(course.slug)
    if chosen not in course.languages:
        chosen = str(get_locale())
    return course.in_language(chosen)


def course_languages(course: Course) -> list[str]:
    """The languages a course can be read in, in the UI's order (English, French, Arabic)."""
    order = current_app.config["LANGUAGES"]
    return sorted(
        course.languages, key=lambda code: order.index(code) if code in order else len(order)
    )


def kept_course_notice() -> dict:
    """On a course's pages, trainers and admins learn that its files have errors and that
    it is served at its last good version; learners see nothing of it."""
    slug = (request.view_args or {}).get("course_slug")
    if slug is None or not (current_user.is_authenticated and current_user.is_staff):
        return {}
    found = catalogue()
    since = found.kept_since.get(slug)
    if since is None:
        return {}
    errors = [p for p in found.problems_of(found.courses[slug]) if p.severity == "error"]
    return {"kept_course": {"since": since, "errors": errors}}


def step_url(course: Course, step) -> str:
    """The page of a lesson or a quiz."""
    from flask import url_for

    if step.kind == "quiz":
        return url_for("quizzes.take", course_slug=course.slug, quiz_slug=step.slug)
    return url_for("progress.lesson", course_slug=course.slug, lesson_slug=step.slug)
