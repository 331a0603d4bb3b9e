"""The content model: frozen values loaded from the Markdown files (no Flask, no database)."""

from __future__ import annotations

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

    def lesson(self, slug: str) -> Lesson | None:
        """The lesson with this slug, if any."""
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def quiz(self, slug: str) -> Quiz | None:
        """The quiz with this slug, if any."""
        return next((quiz for quiz in self.quizzes if quiz.slug == slug), None)

    def items(self) -> tuple[Lesson | Quiz, ...]:
        """The steps in order: each lesson, then the quizzes placed after it."""
        return tuple(self._iter_items())

    def _iter_items(self) -> Iterator[Lesson | Quiz]:
        placed = {lesson.slug for lesson in self.lessons}
        # Quizzes with no lesson to follow (a course without lessons) come first.
        yield from (quiz for quiz in self.quizzes if quiz.after not in placed)
        for lesson in self.lessons:
            yield lesson
            yield from (quiz for quiz in self.quizzes if quiz.after == lesson.slug)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every valid course by slug (in folder order), and every problem found."""

    courses: Mapping[str, Course] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[Problem, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that keep a course out of the catalogue."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems that are reported but do not exclude anything."""
        return tuple(p for p in self.problems if p.severity == "warning")
