"""Taking quizzes: attempt tokens, opaque option ids, scoring and the attempt limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, case, func

from learnapp.content.grading import draw_and_order, grade_question, score
from learnapp.content.model import Course, Question, Quiz
from learnapp.dbutil import insert_or_ignore_returning
from learnapp.extensions import db
from learnapp.models import QuizAttempt, User, now_utc
from learnapp.xapi import service as xapi


class TamperedForm(Exception):
    """The submitted form does not match the attempt it claims to be."""


class QuizChanged(Exception):
    """The quiz was edited between showing the form and submitting it."""


class NoAttemptsLeft(Exception):
    """The learner has used every attempt the quiz allows."""


class Unanswered(Exception):
    """Some questions have no answer; the form is shown again with what was given."""

    def __init__(self, missing: list[str], given: dict):
        super().__init__(missing)
        self.missing, self.given = missing, given


@dataclass(frozen=True)
class ShownQuestion:
    """A question as one attempt shows it: opaque field name and option ids, own order."""

    question: Question
    field: str
    options: tuple[tuple[str, object], ...]  # (opaque id, Option)


@dataclass(frozen=True)
class AttemptForm:
    token: str
    nonce: str
    questions: tuple[ShownQuestion, ...]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="quiz-attempt")


def _opaque(nonce: str, *parts: str) -> str:
    """An id that means something only to the server, and only for this attempt."""
    message = "\x1f".join(parts).encode()
    return hmac.new(nonce.encode(), message, hashlib.sha256).hexdigest()[:12]


def _seed(nonce: str) -> int:
    return int.from_bytes(hashlib.sha256(nonce.encode()).digest()[:8], "big")


def attempts(user: User, course: Course, quiz: Quiz) -> list[QuizAttempt]:
    """The learner's attempts at this quiz, first first."""
    return list(
        db.session.scalars(
            db.select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.course_slug == course.slug,
                QuizAttempt.quiz_slug == quiz.slug,
            )
            .order_by(QuizAttempt.number)
        )
    )


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """How many attempts remain, or None when unlimited."""
    return None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)


def _shown(quiz: Quiz, nonce: str) -> tuple[ShownQuestion, ...]:
    shown = []
    for question_key, option_keys in draw_and_order(quiz, _seed(nonce)):
        question = quiz.question(question_key)
        options = tuple(
            (_opaque(nonce, question_key, key), question.option(key)) for key in option_keys
        )
        shown.append(ShownQuestion(question, "q" + _opaque(nonce, question_key), options))
    return tuple(shown)


def new_attempt_form(user: User, course: Course, quiz: Quiz) -> AttemptForm:
    """A fresh form: its one-time token fixes the questions, their order and the option ids."""
    nonce = secrets.token_urlsafe(18)
    token = _serializer().dumps(
        {"u": user.id, "c": course.slug, "q": quiz.slug, "n": nonce, "v": course.version}
    )
    return AttemptForm(token, nonce, _shown(quiz, nonce))


def form_for_token(user: User, course: Course, quiz: Quiz, token: str) -> AttemptForm:
    """Rebuild the form a token was issued with; TamperedForm or QuizChanged otherwise."""
    try:
        data = _serializer().loads(token)
    except BadSignature as error:
        raise TamperedForm("bad token") from error
    if (data.get("u"), data.get("c"), data.get("q")) != (user.id, course.slug, quiz.slug):
        raise TamperedForm("token of another attempt")
    if data.get("v") != course.version:
        raise QuizChanged(quiz.slug)
    return AttemptForm(token, data["n"], _shown(quiz, data["n"]))


_BY_NONCE = db.select(QuizAttempt).where(QuizAttempt.token == bindparam("nonce"))
# The token was signed for this user, course and quiz, so its attempt is among theirs.
_NUMBERS = db.select(
    func.coalesce(func.max(QuizAttempt.number), 0),
    func.max(case((QuizAttempt.token == bindparam("nonce"), QuizAttempt.number))),
).where(
    QuizAttempt.user_id == bindparam("user"),
    QuizAttempt.course_slug == bindparam("course"),
    QuizAttempt.quiz_slug == bindparam("quiz"),
)


@dataclass(frozen=True)
class AttemptNumbers:
    used: int  # the last attempt number taken, 0 before the first
    replayed: int | None  # the number of the attempt this token already made, if any


def attempt_numbers(user: User, course: Course, quiz: Quiz, nonce: str) -> AttemptNumbers:
    """The attempts used so far and whether this one-time token was submitted already: one read."""
    used, replayed = db.session.execute(
        _NUMBERS, {"user": user.id, "course": course.slug, "quiz": quiz.slug, "nonce": nonce}
    ).one()
    return AttemptNumbers(used, replayed)


def attempt_by_nonce(nonce: str) -> QuizAttempt | None:
    """The attempt submitted with this one-time token, if any."""
    return db.session.scalar(_BY_NONCE, {"nonce": nonce})


def read_answers(form: AttemptForm, submitted: Mapping[str, list[str]]) -> dict:
    """Map submitted fields back to question and option keys; reject anything foreign."""
    known = {shown.field for shown in form.questions} | {"csrf_token", "attempt_token"}
    if any(name not in known for name in submitted):
        raise TamperedForm("unknown field")
    answers, missing = {}, []
    for shown in form.questions:
        values = [v for v in submitted.get(shown.field, []) if v.strip()]
        if shown.question.kind == "short":
            if len(values) > 1 or any(len(v) > 500 for v in values):
                raise TamperedForm("bad short answer")
            if values:
                answers[shown.question.key] = values[0]
        else:
            ids = dict(shown.options)
            if any(v not in ids for v in values) or len(set(values)) != len(values):
                raise TamperedForm("option of another question or attempt")
            if shown.question.kind == "single" and len(values) > 1:
                raise TamperedForm("two answers to a single-answer question")
            if values:
                answers[shown.question.key] = sorted(ids[v].key for v in values)
        if shown.question.key not in answers:
            missing.append(shown.question.key)
    if missing:
        raise Unanswered(missing, answers)
    return answers


def submit(
    user: User, course: Course, quiz: Quiz, form: AttemptForm, answers: dict, used: int
) -> QuizAttempt:
    """Score and store the attempt once, numbered after the `used` ones (attempt_numbers,
    which also caught a replayed token): one INSERT ... RETURNING.

    Only when that insert finds the number or the token taken are the numbers read again;
    a token submitted meanwhile returns the first result.
    """
    for _ in range(5):
        if quiz.max_attempts is not None and used >= quiz.max_attempts:
            raise NoAttemptsLeft(quiz.slug)
        values = _scored_attempt(user, course, quiz, form, answers, number=used + 1)
        if (attempt := insert_or_ignore_returning(QuizAttempt, **values)) is not None:
            xapi.quiz_attempted(user, course, quiz, attempt)
            return attempt
        # Another submission took this number, or this token was submitted already.
        numbers = attempt_numbers(user, course, quiz, form.nonce)
        if numbers.replayed is not None:
            return attempt_by_nonce(form.nonce)
        used = numbers.used
    raise NoAttemptsLeft(quiz.slug)


def _scored_attempt(user, course, quiz, form, answers, *, number: int) -> dict:
    questions = [shown.question for shown in form.questions]
    results = {q.key: grade_question(q, _response(q, answers.get(q.key))) for q in questions}
    result = score(
        questions, {q.key: _response(q, answers.get(q.key)) for q in questions}, quiz.pass_mark
    )
    return dict(
        user_id=user.id,
        course_slug=course.slug,
        quiz_slug=quiz.slug,
        number=number,
        token=form.nonce,
        course_version=course.version,
        layout=[[s.question.key, [option.key for _, option in s.options]] for s in form.questions],
        answers=answers,
        results=results,
        points=result.points,
        total=result.total,
        percent=result.percent,
        pass_mark=quiz.pass_mark,
        passed=result.passed,
        submitted_at=now_utc(),
    )


def _response(question: Question, answer):
    if question.kind == "short":
        return answer or ""
    return frozenset(answer or ())


def reveal_answers(quiz: Quiz, attempts_made: list[QuizAttempt]) -> bool:
    """Whether correct answers may be shown, as the quiz's `reveal` setting says."""
    if quiz.reveal == "always":
        return True
    if quiz.reveal == "never":
        return False
    used_up = quiz.max_attempts is not None and len(attempts_made) >= quiz.max_attempts
    return used_up or any(a.passed for a in attempts_made)
