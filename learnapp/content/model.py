"""The content model: frozen values loaded from the Markdown files (no Flask, no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Severity = Literal["error", "warning"]
QuestionKind = Literal["single", "multiple", "short"]
Reveal = Literal["after_pass", "always", "never"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a content file; line 0 means the file or folder as a whole."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        return f"{where}: {prefix}{self.message}"


@dataclass(frozen=True, slots=True)
class Lesson:
    """One lesson page; `slug` is the file name without its `NN-` prefix and `.md`."""

    slug: str
    filename: str
    position: int
    title: str
    html: str
    source_path: str
    language: str = ""  # the language the file is written in

    @property
    def kind(self) -> Literal["lesson"]:
        """What sort of course step this is (a quiz says "quiz")."""
        return "lesson"


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a single- or multiple-answer question."""

    key: str
    html: str
    correct: bool
    feedback_html: str = ""


@dataclass(frozen=True, slots=True)
class Accepted:
    """One accepted short answer: a text, or a number with an inclusive tolerance."""

    text: str | None
    number: float | None = None
    tolerance: float = 0.0
    written: str = ""  # as the trainer wrote it: "26" for "= 26 ± 0", "3.5 ± 0.1"

    @property
    def label(self) -> str:
        """The answer as shown to learners and trainers."""
        if self.written:
            return self.written
        return self.text if self.text is not None else f"{self.number:g}"


@dataclass(frozen=True, slots=True)
class Question:
    """One quiz question; `key` stays the same while the heading text does."""

    key: str
    prompt_html: str
    kind: QuestionKind
    options: tuple[Option, ...]
    accepted: tuple[Accepted, ...]
    explanation_html: str
    line: int
    text: str = ""
    heading_html: str = ""

    def option(self, key: str) -> Option | None:
        """The option with this key, if any."""
        return next((option for option in self.options if option.key == key), None)

    @property
    def correct_keys(self) -> frozenset[str]:
        """Keys of the correct options (empty for short answers)."""
        return frozenset(option.key for option in self.options if option.correct)


@dataclass(frozen=True, slots=True)
class Quiz:
    """One quiz file; `after` is the slug of the lesson it follows."""

    slug: str
    filename: str
    title: str
    after: str | None
    pass_mark: int
    max_attempts: int | None
    shuffle: bool
    draw: int | None
    reveal: Reveal
    questions: tuple[Question, ...]
    source_path: str
    intro_html: str = ""
    language: str = ""  # the language the file is written in

    @property
    def kind(self) -> Literal["quiz"]:
        """What sort of course step this is (a lesson says "lesson")."""
        return "quiz"

    def question(self, key: str) -> Question | None:
        """The question with this key, if any."""
        return next((question for question in self.questions if question.key == key), None)

    @property
    def size(self) -> int:
        """How many questions one attempt asks (`draw`, or all of them)."""
        return self.draw or len(self.questions)


@dataclass(frozen=True, slots=True)
class Course:
    """One course folder with its lessons and quizzes, as it is now."""

    slug: str
    dirname: str
    path: str
    title: str
    summary: str
    intro_html: str
    language: str
    status: Literal["published", "draft"]
    estimated_minutes: int | None
    pass_mark: int
    certificate: bool
    certificate_valid_months: int | None
    sequential: bool
    authors: tuple[str, ...]
    format: int
    lessons: tuple[Lesson, ...]
    quizzes: tuple[Quiz, ...]
    version: str
    certificate_template: str | None = None
    remind_after_days: int = 14  # inactive this long: one reminder e-mail; 0 = never
    # Every language the course can be read in, its default (the `language` of course.md)
    # first; `translations` holds the course as read in each other one (SPEC: variants).
    languages: tuple[str, ...] = ()
    translations: Mapping[str, Course] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )
    # The steps in order, worked out once: every page of the course asks for them often.
    _items: tuple[Lesson | Quiz, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items", tuple(self._iter_items()))

    @property
    def default_language(self) -> str:
        """The language of course.md, the one a missing variant falls back to."""
        return self.languages[0] if self.languages else self.language

    def in_language(self, language: str) -> Course:
        """The course as read in `language` (steps with no variant stay in the default);
        the course itself when it has no such variant."""
        return self.translations.get(language, self)

    def lesson(self, slug: str) -> Lesson | None:
        """The lesson with this slug, if any."""
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def quiz(self, slug: str) -> Quiz | None:
        """The quiz with this slug, if any."""
        return next((quiz for quiz in self.quizzes if quiz.slug == slug), None)

    def items(self) -> tuple[Lesson | Quiz, ...]:
        """The steps in order: each lesson, then the quizzes placed after it."""
        return self._items

    def _iter_items(self) -> Iterator[Lesson | Quiz]:
        placed = {lesson.slug for lesson in self.lessons}
        # Quizzes with no lesson to follow (a course without lessons) come first.
        yield from (quiz for quiz in self.quizzes if quiz.after not in placed)
        for lesson in self.lessons:
            yield lesson
            yield from (quiz for quiz in self.quizzes if quiz.after == lesson.slug)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every valid course by slug (in folder order), and every problem found.

    `kept_since`: courses whose files now have errors, still served as they were at their
    last good version, with when that version was loaded.
    """

    courses: Mapping[str, Course] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[Problem, ...] = ()
    excluded: tuple[str, ...] = ()
    kept_since: Mapping[str, dt.datetime] = field(default_factory=lambda: MappingProxyType({}))

    def problems_of(self, course: Course) -> tuple[Problem, ...]:
        """The problems found in the course's folder and its quizzes' folder."""
        return tuple(p for p in self.problems if _belongs(p, course))

    @property
    def left_out(self) -> tuple[str, ...]:
        """Slugs of courses with errors and no last good version: not served at all."""
        return tuple(slug for slug in self.excluded if slug not in self.kept_since)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that keep a course out of the catalogue."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems that are reported but do not exclude anything."""
        return tuple(p for p in self.problems if p.severity == "warning")


def _belongs(problem: Problem, course: Course) -> bool:
    path = "/" + problem.path.replace("\\", "/")
    return f"/{course.dirname}/" in path or f"/quizzes/{course.slug}/" in path
