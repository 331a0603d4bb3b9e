"""Admin test fixtures: learners with progress in the fixture course, an admin's client."""

from __future__ import annotations

import datetime as dt

import pytest

from learnapp import completion
from learnapp.catalogue import catalogue
from learnapp.content.grading import grade_question, score
from learnapp.extensions import db
from learnapp.models import Enrolment, QuizAttempt, now_utc
from learnapp.progress import service as progress
from tests.conftest import PASSWORD

COURSE = "basics"
LESSONS = ("first-steps", "working-together")
QUIZ = "check"


def the_course():
    return catalogue().courses[COURSE]


def the_quiz():
    return the_course().quiz(QUIZ)


def enrol(user, when: dt.datetime | None = None) -> Enrolment:
    enrolled = progress.enrol(user, the_course())
    if when is not None:
        enrolled.enrolled_at = when
    db.session.commit()
    return enrolled


def do_lessons(user, *slugs: str) -> None:
    course = the_course()
    for slug in slugs:
        progress.complete_lesson(user, course, course.lesson(slug))
    db.session.commit()


def _option_key(question, text: str) -> str:
    return next(o.key for o in question.options if o.html.strip() == text)


def attempt(user, city: str = "Geneva", communities: str = "171") -> QuizAttempt:
    """Store a graded attempt at the fixture quiz with these two answers."""
    course, quiz = the_course(), the_quiz()
    single, short = quiz.questions
    answers = {single.key: [_option_key(single, city)], short.key: communities}
    responses = {single.key: frozenset(answers[single.key]), short.key: communities}
    result = score(quiz.questions, responses, quiz.pass_mark)
    number = 1 + db.session.scalar(
        db.select(db.func.count(QuizAttempt.id)).where(
            QuizAttempt.user_id == user.id, QuizAttempt.quiz_slug == quiz.slug
        )
    )
    row = QuizAttempt(
        user_id=user.id,
        course_slug=course.slug,
        quiz_slug=quiz.slug,
        number=number,
        token=f"test-{user.id}-{number}",
        course_version=course.version,
        layout=[[q.key, [o.key for o in q.options]] for q in quiz.questions],
        answers=answers,
        results={q.key: grade_question(q, responses[q.key]) for q in quiz.questions},
        points=result.points,
        total=result.total,
        percent=result.percent,
        pass_mark=quiz.pass_mark,
        passed=result.passed,
        submitted_at=now_utc(),
    )
    db.session.add(row)
    db.session.flush()
    progress.finish_if_complete(user, course)
    completion.commit_and_certify(user, course)
    return row


def finish(user):
    """Complete the course (both lessons, a passed quiz): the certificate is issued."""
    enrol(user)
    do_lessons(user, *LESSONS)
    attempt(user)


@pytest.fixture
def admin(login_as):
    """An administrator, logged in on `client`."""
    return login_as(role="admin", name="Ada Admin", email="ada@example.org")


@pytest.fixture
def other_client(app):
    """A second browser: log someone else in on it."""

    def make(email: str):
        client = app.test_client()
        response = client.submit("/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 303
        return client

    return make
