"""The periodic reminder: a learner enrolled, not finished and inactive for the course's
`remind_after_days` (default 14, 0 = never) gets one gentle e-mail; never more than one
per course per fortnight, and none once they turned reminders off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import url_for
from sqlalchemy import and_, func, or_, update

from learnapp.content.model import Course
from learnapp.extensions import db
from learnapp.mail import service
from learnapp.models import Enrolment, User, now_utc

FORTNIGHT = dt.timedelta(days=14)


def _not_reminded_lately(now: dt.datetime):
    return or_(Enrolment.reminded_at.is_(None), Enrolment.reminded_at <= now - FORTNIGHT)


def due_reminders(course: Course, now: dt.datetime) -> list[Enrolment]:
    """The enrolments in the course that are due a reminder now."""
    if course.status != "published" or course.remind_after_days <= 0:
        return []
    last_active = func.coalesce(Enrolment.last_visited_at, Enrolment.enrolled_at)
    return list(
        db.session.scalars(
            db.select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.course_slug == course.slug,
                Enrolment.completed_at.is_(None),
                User.active.is_(True),
                User.deleted_at.is_(None),
                User.reminders_off.is_(False),
                last_active <= now - dt.timedelta(days=course.remind_after_days),
                # One reminder per spell of inactivity: none since they were last active.
                or_(Enrolment.reminded_at.is_(None), Enrolment.reminded_at < last_active),
                _not_reminded_lately(now),
            )
            .order_by(Enrolment.id)
        )
    )


def send_reminders(courses: Mapping[str, Course], now: dt.datetime | None = None) -> int:
    """Queue every due reminder (flushed, not committed); how many. Needs a request
    context for the links; safe with several workers (each enrolment is taken once)."""
    now = now or now_utc()
    queued = 0
    for course in courses.values():
        for enrolled in due_reminders(course, now):
            taken = db.session.execute(
                update(Enrolment)
                .where(and_(Enrolment.id == enrolled.id, _not_reminded_lately(now)))
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                continue  # another worker reminded them a moment ago
            user = enrolled.user
            service.reminder(
                user,
                course.title,
                continue_url=service.absolute(url_for("catalogue.course", course_slug=course.slug)),
                off_url=service.absolute(
                    url_for("mail.reminders_off", token=service.reminders_off_token(user))
                ),
            )
            queued += 1
    return queued
