"""What a learner sees of their own learning, and everything held about them."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.catalogue import catalogue
from learnapp.cohorts import service as cohorts
from learnapp.content.model import Course, Lesson, Quiz
from learnapp.extensions import db
from learnapp.models import Certificate, Enrolment, LessonCompletion, QuizAttempt, User
from learnapp.progress import service
from learnapp.progress.rules import CourseProgress, Status, status_of
from learnapp.xapi import service as xapi


@dataclass(frozen=True)
class LearningRow:
    enrolment: Enrolment
    course: Course
    progress: CourseProgress
    resume: Lesson | Quiz | None

    @property
    def status(self) -> Status:
        return status_of(self.enrolment.completed_at is not None, self.progress.done_count)


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[LearningRow]
    completed: list[LearningRow]
    certificates: list[Certificate]


def resume_step(enrolled: Enrolment, current: CourseProgress) -> Lesson | Quiz | None:
    """Where "Continue" leads: the last lesson visited if it is still to do, else the next
    missing step after it (None once nothing is missing)."""
    last = current.course.lesson(enrolled.last_lesson_slug) if enrolled.last_lesson_slug else None
    if last is not None and current.is_open(last) and not current.is_done(last):
        return last
    return current.next_step(after=last)


def my_learning(user: User) -> MyLearning:
    """The user's courses, split into in progress and completed, and their certificates."""
    courses = catalogue().courses
    enrolments = db.session.scalars(
        db.select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at)
    )
    rows = []
    for enrolled in enrolments:
        course = courses.get(enrolled.course_slug)
        if course is None:
            continue
        current = service.progress(user, course)
        rows.append(LearningRow(enrolled, course, current, resume_step(enrolled, current)))
    return MyLearning(
        in_progress=[row for row in rows if row.status != Status.COMPLETED],
        completed=[row for row in rows if row.status == Status.COMPLETED],
        certificates=user_certificates(user),
    )


def user_certificates(user: User) -> list[Certificate]:
    """Every certificate issued to the user, newest first."""
    return list(
        db.session.scalars(
            db.select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export(user: User) -> dict:
    """Everything the platform holds about the user (and nothing about anyone else)."""
    mine = {"user_id": user.id}
    return {
        "profile": {
            "email": user.email,
            "name": user.name,
            "organisation": user.organisation.name if user.organisation else None,
            "role": user.role,
            "language": user.language,
            "created_at": _iso(user.created_at),
            # The id that stands for them in a Learning Record Store (xAPI), if any.
            "xapi_account_name": xapi.known_actor_name(user),
        },
        "enrolments": [
            {
                "course": e.course_slug,
                "enrolled_at": _iso(e.enrolled_at),
                "last_lesson": e.last_lesson_slug,
                "last_visited_at": _iso(e.last_visited_at),
                "completed_at": _iso(e.completed_at),
            }
            for e in db.session.scalars(db.select(Enrolment).filter_by(**mine))
        ],
        "lesson_completions": [
            {
                "course": c.course_slug,
                "lesson": c.lesson_slug,
                "course_version": c.course_version,
                "completed_at": _iso(c.completed_at),
            }
            for c in db.session.scalars(db.select(LessonCompletion).filter_by(**mine))
        ],
        "quiz_attempts": [
            {
                "course": a.course_slug,
                "quiz": a.quiz_slug,
                "number": a.number,
                "course_version": a.course_version,
                "answers": a.answers,
                "score_percent": a.percent,
                "pass_mark": a.pass_mark,
                "passed": a.passed,
                "submitted_at": _iso(a.submitted_at),
            }
            for a in db.session.scalars(
                db.select(QuizAttempt).filter_by(**mine).order_by(QuizAttempt.id)
            )
        ],
        "certificates": [
            {
                "code": c.code,
                "course": c.course_slug,
                "name": c.name,
                "course_title": c.course_title,
                "completed_on": _iso(c.completed_on),
                "issued_at": _iso(c.issued_at),
                "sha256": c.sha256,
                "revoked_at": _iso(c.revoked_at),
                "revoked_reason": c.revoked_reason,
            }
            for c in user_certificates(user)
        ],
        "cohorts": cohorts.memberships(user),
    }
