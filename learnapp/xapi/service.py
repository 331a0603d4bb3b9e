"""xAPI statements to send: each is an outbox row added in the transaction of its cause.

Only when LEARNAPP_XAPI_ENDPOINT is set. A rolled-back change sends nothing; a committed
one loses nothing: `learnapp worker` (learnapp/xapi/sender.py) delivers the rows, and
an LRS outage only delays them. A statement's id comes from the event, and the outbox
holds each id once, so two racing requests cannot queue the same statement twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from flask import current_app

from learnapp import outbox
from learnapp.content.model import Course, Lesson, Quiz
from learnapp.dbutil import insert_or_ignore
from learnapp.extensions import db
from learnapp.models import QuizAttempt, User, XapiActor, XapiStatement, now_utc
from learnapp.xapi import statements


def enabled() -> bool:
    """True when LEARNAPP_XAPI_ENDPOINT is set: statements are recorded and sent."""
    return bool(current_app.config.get("XAPI_ENDPOINT"))


def _site() -> statements.Site:
    return statements.Site(current_app.config["BASE_URL"])


def actor_name(user: User) -> str:
    """The learner's pseudonym in the LRS: random, made once, kept for good."""
    return _actor_name(user.id)


def _actor_name(user_id: int) -> str:
    name = _known_actor_name(user_id)
    if name is None:
        insert_or_ignore(XapiActor, user_id=user_id, name=str(uuid.uuid4()))
        name = _known_actor_name(user_id)  # ours, or a racing request's
    return name


def known_actor_name(user: User) -> str | None:
    """The learner's pseudonym if one was ever made (for their data export)."""
    return _known_actor_name(user.id)


def _known_actor_name(user_id: int) -> str | None:
    return db.session.scalar(db.select(XapiActor.name).where(XapiActor.user_id == user_id))


def forget(user: User) -> None:
    """Forget which learner the pseudonym was (a withdrawn account): the statements sent
    stay in the LRS, tied to nobody."""
    db.session.execute(db.delete(XapiActor).where(XapiActor.user_id == user.id))


def _queue(*made: dict) -> None:
    now = now_utc()
    for statement in made:
        insert_or_ignore(
            XapiStatement,
            statement_id=statement["id"],
            verb=statement["verb"]["display"]["en-US"],
            statement=statement,
            created_at=now,
            due_at=now,
            attempts=0,
            last_error="",
        )


def registered(user: User, course: Course, at: dt.datetime) -> None:
    """The learner was enrolled in the course (by themselves, an invitation or a cohort)."""
    if enabled():
        _queue(statements.registered(_site(), actor_name(user), course, at))


def registered_many(enrolled: Iterable[tuple[int, Course]], at: dt.datetime) -> None:
    """Each (user id, course) pair was enrolled at once (a bulk import)."""
    if enabled():
        site = _site()
        _queue(*(statements.registered(site, _actor_name(u), c, at) for u, c in enrolled))


def lesson_completed(user: User, course: Course, lesson: Lesson, at: dt.datetime) -> None:
    if enabled():
        _queue(statements.lesson_completed(_site(), actor_name(user), course, lesson, at))


def course_completed(user: User, course: Course, at: dt.datetime) -> None:
    if enabled():
        _queue(statements.course_completed(_site(), actor_name(user), course, at))


def quiz_attempted(user: User, course: Course, quiz: Quiz, attempt: QuizAttempt) -> None:
    """`answered` per question asked and `passed` or `failed`, from the stored attempt."""
    if not enabled():
        return
    answers = []
    for question_key, _options in attempt.layout:
        question = quiz.question(question_key)
        if question is not None:
            answers.append(
                statements.Answer(
                    question,
                    attempt.answers.get(question_key, ""),
                    bool(attempt.results.get(question_key)),
                )
            )
    graded = statements.Attempt(
        number=attempt.number,
        points=attempt.points,
        total=attempt.total,
        passed=attempt.passed,
        submitted_at=attempt.submitted_at,
        answers=tuple(answers),
    )
    _queue(*statements.quiz_attempted(_site(), actor_name(user), course, quiz, graded))


# The administrator's view ---------------------------------------------------------------


def counts() -> dict[str, int]:
    """How many statements are queued, sent and failed."""
    return outbox.counts(XapiStatement)


def latest_failed(limit: int = 20) -> list[XapiStatement]:
    """The statements the LRS refused for good, newest first."""
    return list(
        db.session.scalars(
            db.select(XapiStatement)
            .where(XapiStatement.failed_at.is_not(None))
            .order_by(XapiStatement.id.desc())
            .limit(limit)
        )
    )


def retry_failed(row_id: int | None = None) -> int:
    """Queue failed statements (one, or all) again; how many."""
    return outbox.retry_failed(XapiStatement, row_id)


def purge_sent(days: int = 90) -> int:
    """Forget statements the LRS has had for more than `days` days."""
    return outbox.purge_sent(XapiStatement, days)
