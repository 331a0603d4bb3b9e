"""Language variants of a course: `NN-slug.fr.md` beside `NN-slug.md`, `course.ar.md`.

A variant is the same step in another language; progress is keyed by slug, so it is
shared by every language. A quiz variant must ask the same questions in the same order
with the same right answers: it is checked against its default file and given the
default's keys, so an attempt is graded the same whatever the language it was taken in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType

from learnapp.content.model import Accepted, Course, Lesson, Problem, Question, Quiz

VARIANT = re.compile(r"^(?P<base>[^.]+)\.(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")
# A variant quiz may restate these settings, but only as its default file has them.
QUIZ_SETTINGS = ("after", "pass_mark", "max_attempts", "shuffle", "draw", "reveal")
KINDS = {"single": "a one-answer", "multiple": "a select-all", "short": "a short-answer"}


def split_variant(name: str) -> tuple[str, str | None]:
    """(default file name, language) of `01-x.fr.md`; (name, None) for a default file."""
    match = VARIANT.match(name)
    if match is None:
        return name, None
    return f"{match.group('base')}.md", match.group("language").lower()


def match_quiz(
    default: Quiz, variant: Quiz, settings_lines: Mapping[str, int]
) -> tuple[Quiz | None, list[Problem]]:
    """The variant keyed like `default`, or None and why it does not ask the same.

    `settings_lines`: the front-matter keys the variant sets, with their lines.
    """
    path, base = variant.source_path, default.filename
    problems = [
        Problem(
            path,
            line,
            f"{key} is {getattr(variant, key)} here but {getattr(default, key)} in {base}:"
            " a variant's settings are its default file's (leave the key out)",
        )
        for key, line in settings_lines.items()
        if key in QUIZ_SETTINGS and getattr(variant, key) != getattr(default, key)
    ]
    if len(variant.questions) != len(default.questions):
        line = (
            variant.questions[len(default.questions)].line
            if len(variant.questions) > len(default.questions)
            else 0
        )
        problems.append(
            Problem(
                path,
                line,
                f"{len(variant.questions)} questions here but {len(default.questions)} in"
                f" {base}: a variant asks the same questions in the same order",
            )
        )
    for number, (ours, theirs) in enumerate(
        zip(variant.questions, default.questions, strict=False), 1
    ):
        problems += _question_problems(number, ours, theirs, path, base)
    if problems:
        return None, problems
    settings = {key: getattr(default, key) for key in QUIZ_SETTINGS}
    questions = tuple(
        _keyed_like(ours, theirs)
        for ours, theirs in zip(variant.questions, default.questions, strict=True)
    )
    return replace(variant, slug=default.slug, questions=questions, **settings), []


def _question_problems(
    number: int, ours: Question, theirs: Question, path: str, base: str
) -> list[Problem]:
    where = f"question {number}"
    if ours.kind != theirs.kind:
        message = f"{where} is {KINDS[ours.kind]} question here, {KINDS[theirs.kind]} one in {base}"
        return [Problem(path, ours.line, message)]
    if len(ours.options) != len(theirs.options):
        message = (
            f"{where} has {len(ours.options)} options here but {len(theirs.options)} in {base}:"
            " keep the options in the same order"
        )
        return [Problem(path, ours.line, message)]
    if _right_positions(ours) != _right_positions(theirs):
        message = (
            f"{where} marks option {_positions(ours)} right here but {_positions(theirs)}"
            f" in {base}: the right answers must be the same"
        )
        return [Problem(path, ours.line, message)]
    if _numbers(ours) != _numbers(theirs):
        message = (
            f"{where} accepts {_labels(ours) or 'no number'} here but"
            f" {_labels(theirs) or 'no number'} in {base}: the right answers must be the same"
        )
        return [Problem(path, ours.line, message)]
    return []


def _right_positions(question: Question) -> tuple[int, ...]:
    return tuple(index for index, option in enumerate(question.options, 1) if option.correct)


def _positions(question: Question) -> str:
    return ", ".join(str(index) for index in _right_positions(question))


def _numbers(question: Question) -> set[tuple[float, float]]:
    return {(a.number, a.tolerance) for a in question.accepted if a.number is not None}


def _labels(question: Question) -> str:
    return ", ".join(sorted(a.label for a in question.accepted if a.number is not None))


def _keyed_like(ours: Question, theirs: Question) -> Question:
    options = tuple(
        replace(option, key=default.key)
        for option, default in zip(ours.options, theirs.options, strict=True)
    )
    return replace(ours, key=theirs.key, options=options)


def share_answers(quizzes: Iterable[Quiz]) -> list[Quiz]:
    """Every language's quiz accepting the short answers written in any of them.

    A learner who answers "Genève" in the English quiz is as right as in the French one:
    the quizzes are keyed alike, and this makes their answer keys one. Each language
    keeps its own answers first (the one shown after the attempt).
    """
    quizzes = list(quizzes)
    pooled: dict[str, list[Accepted]] = {}
    for quiz in quizzes:
        for question in quiz.questions:
            pooled.setdefault(question.key, []).extend(question.accepted)

    def shared(question: Question) -> Question:
        accepted = tuple(dict.fromkeys((*question.accepted, *pooled[question.key])))
        return replace(question, accepted=accepted)

    return [
        replace(quiz, questions=tuple(shared(question) for question in quiz.questions))
        for quiz in quizzes
    ]


def translate(
    course: Course,
    language: str,
    *,
    title: str,
    summary: str,
    intro_html: str,
    lessons: Mapping[str, Lesson],
    quizzes: Mapping[str, Quiz],
    certificate_template: str | None,
) -> Course:
    """The course as read in `language`: its variants, the default where one is missing."""
    return replace(
        course,
        language=language,
        title=title,
        summary=summary,
        intro_html=intro_html,
        lessons=tuple(lessons.get(lesson.slug, lesson) for lesson in course.lessons),
        quizzes=tuple(quizzes.get(quiz.slug, quiz) for quiz in course.quizzes),
        certificate_template=certificate_template,
        translations=MappingProxyType({}),
    )
