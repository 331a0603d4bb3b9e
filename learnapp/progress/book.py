"""The whole course as one PDF for offline reading, cached per course version and language."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import current_app, render_template

from learnapp.certificates.render import locked_fetcher
from learnapp.content.model import Course


def _offline_html(course: Course, html: str) -> str:
    """Point asset URLs at the course folder and lesson links at their chapter."""
    assets = f"/courses/{course.slug}/assets/"
    html = html.replace(f'"{assets}', f'"{Path(course.path).as_uri()}/')
    return re.sub(
        rf'href="/courses/{re.escape(course.slug)}/([\w-]+)(#[\w-]*)?"',
        lambda m: f'href="#lesson-{m.group(1)}"',
        html,
    )


def course_pdf(course: Course, language: str) -> bytes:
    """PDF bytes of every lesson in order, with a title page and a table of contents."""
    return _cached_pdf(course.slug, course.version, language, course)


@functools.lru_cache(maxsize=16)
def _cached_pdf(slug: str, version: str, language: str, course: Course) -> bytes:
    from weasyprint import HTML

    chapters = [(lesson, _offline_html(course, lesson.html)) for lesson in course.lessons]
    html = render_template(
        "progress/book.html",
        course=course,
        intro=_offline_html(course, course.intro_html),
        chapters=chapters,
        fonts_url=(Path(current_app.config["STATIC_DIR"]) / "fonts").as_uri(),
    )
    fetcher = locked_fetcher(current_app.config["STATIC_DIR"], course.path)
    document = HTML(string=html, base_url=Path(course.path).as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf()
