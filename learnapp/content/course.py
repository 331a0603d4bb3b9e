"""Reading `course.md` and lesson files (front matter, title, rendered body)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from learnapp.content import frontmatter
from learnapp.content.frontmatter import Field
from learnapp.content.markdown import FileRenderer
from learnapp.content.model import Lesson, Problem

KNOWN_FORMATS = (1,)
COURSE_SCHEMA = {
    "title": Field("text", required=True),
    "summary": Field("text", required=True),
    "language": Field("text", default="en"),
    "status": Field("text", default="published", choices=("published", "draft")),
    "estimated_minutes": Field("int", minimum=1),
    "pass_mark": Field("int", default=70, minimum=0, maximum=100),
    "certificate": Field("bool", default=True),
    "certificate_valid_months": Field("int", minimum=1),
    "sequential": Field("bool", default=False),
    "authors": Field("texts", default=()),
    "format": Field("int", default=1),
    "remind_after_days": Field("int", default=14, minimum=0),
}
# course.fr.md: the course's title, summary and introduction in French; the rest is course.md's.
COURSE_VARIANT_SCHEMA = {key: COURSE_SCHEMA[key] for key in ("title", "summary")}
LESSON_SCHEMA = {"title": Field("text")}
# A simple BCP 47 shape: language, optional script, optional region, optional variants.
LANGUAGE_TAG = re.compile(
    r"^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CourseFile:
    """What `course.md` says: its front-matter values (defaults where wrong) and the intro."""

    values: dict[str, Any]
    intro_html: str


def read_course_file(
    text: str, *, path: str, render: FileRenderer, variant: bool = False
) -> tuple[CourseFile, list]:
    """Read course.md (or a variant such as course.fr.md); problems name each bad key's line."""
    doc, problems = frontmatter.split(text, path)
    if not doc.has_front_matter:
        name = path.rsplit("/", 1)[-1]
        problems.append(Problem(path, 1, f"{name} must start with '---' front matter"))
    schema = COURSE_VARIANT_SCHEMA if variant else COURSE_SCHEMA
    reader = frontmatter.Reader(doc, path, schema)
    values = {key: reader.get(key) for key in schema}
    if not variant:
        _check_language(values, reader)
        _check_format(values, reader)
    rendered, render_problems = render(doc.body, line=doc.body_line)
    return CourseFile(values, rendered.html), problems + reader.problems + render_problems


def _check_language(values: dict[str, Any], reader: frontmatter.Reader) -> None:
    if not LANGUAGE_TAG.match(values["language"]):
        line = reader.doc.lines.get("language", 1)
        reader.error(line, f'language "{values["language"]}" is not a language tag like en, fr, ar')
        values["language"] = "en"


def _check_format(values: dict[str, Any], reader: frontmatter.Reader) -> None:
    if values["format"] not in KNOWN_FORMATS:
        line = reader.doc.lines.get("format", 1)
        known = ", ".join(str(number) for number in KNOWN_FORMATS)
        reader.error(
            line, f"unknown content format {values['format']} (this LearnApp reads {known})"
        )


def read_lesson(
    text: str,
    *,
    path: str,
    source_path: str,
    filename: str,
    slug: str,
    position: int,
    render: FileRenderer,
    language: str = "",
) -> tuple[Lesson, list[Problem]]:
    """Read one lesson; its title comes from front matter or else its first `#` heading."""
    doc, problems = frontmatter.split(text, path)
    reader = frontmatter.Reader(doc, path, LESSON_SCHEMA)
    title = reader.get("title")
    rendered, render_problems = render(doc.body, line=doc.body_line, take_title=title is None)
    title = title or rendered.title
    if not title:
        message = "lesson has no title: add 'title:' front matter or a '# heading'"
        problems.append(Problem(path, 1, message))
    lesson = Lesson(slug, filename, position, title or slug, rendered.html, source_path, language)
    return lesson, problems + reader.problems + render_problems
