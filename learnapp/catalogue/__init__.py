"""The live course catalogue of this app: loaded from the content folders, reloaded on change."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, abort, current_app, get_template_attribute, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from learnapp.config import content_limits
from learnapp.content.model import Catalogue, Course
from learnapp.content.store import ContentStore

log = logging.getLogger(__name__)


# The macros that course pages share, as template globals rather than imported by each
# page: Jinja checks an importing page's globals on every render (~25 µs an import).
SHARED_MACROS = {
    "_outline.html": ("outline", "progress_bar"),
    "_content.html": ("kept_notice", "also_in", "fallback_notice", "available_in"),
}


def init_app(app: Flask) -> None:
    app.add_template_global(step_url)
    app.add_template_global(outline_items)
    app.add_template_global(course_languages)
    for template, names in SHARED_MACROS.items():
        for name in names:
            app.add_template_global(shared_macro(template, name), name)
    app.context_processor(kept_course_notice)
    app.extensions["learnapp.content"] = ContentStore(
        app.config["COURSES_DIR"],
        app.config["QUIZZES_DIR"],
        check_interval=float(app.config["CONTENT_RELOAD_SECONDS"]),
        on_problem=lambda problem: log.warning("content problem: %s", problem),
        limits=content_limits(app.config),
    )


def shared_macro(template: str, name: str) -> Callable[..., Markup]:
    """A macro of `template`, called from the template's module that Jinja keeps."""

    def call(*args, **kwargs) -> Markup:
        return getattr(current_app.jinja_env.get_template(template).module, name)(*args, **kwargs)

    return call


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


MAX_CACHED = 1024  # entries per store below; then it starts again


def _bounded(store: dict) -> dict:
    if len(store) >= MAX_CACHED:
        store.clear()
    return store


def step_url(course: Course, step) -> str:
    """The page of a lesson or a quiz (built once per worker and step)."""
    urls = current_app.extensions.setdefault("learnapp.step_urls", {})
    key = (request.script_root, course.slug, step.kind, step.slug)
    if (url := urls.get(key)) is None:
        if step.kind == "quiz":
            url = url_for("quizzes.take", course_slug=course.slug, quiz_slug=step.slug)
        else:
            url = url_for("progress.lesson", course_slug=course.slug, lesson_slug=step.slug)
        _bounded(urls)[key] = url
    return url


def outline_items(course: Course, progress=None, current=None) -> Markup:
    """The outline's steps: each rendered (in its four states: done or not, current page or
    not) once per course version, course language and UI language, then picked per request."""
    outlines = current_app.extensions.setdefault("learnapp.outlines", {})
    key = (request.script_root, course.slug, course.version, course.language, str(get_locale()))
    if (items := outlines.get(key)) is None:
        item = get_template_attribute("_outline.html", "outline_item")
        items = [
            (
                step.kind,
                step.slug,
                tuple(str(item(course, step, d, c)) for d in (False, True) for c in (False, True)),
            )
            for step in course.items()
        ]
        _bounded(outlines)[key] = items
    lessons = progress.done_lessons if progress else frozenset()
    quizzes = progress.passed_quizzes if progress else frozenset()
    here = (current.kind, current.slug) if current is not None else None
    return Markup(
        "".join(
            states[2 * (slug in (quizzes if kind == "quiz" else lessons)) + ((kind, slug) == here)]
            for kind, slug, states in items
        )
    )
