"""Due-date e-mail, run by the worker every round; each goes out once (a `DueReminder`
row taken with one INSERT, so two workers never send the same one):

- a week before a course's due date, to each member who has not completed it;
- from the day after, once, to each member who has not completed it (overdue);
- once a week, to each partner manager of the cohort's organisation, the list of its
  members (of the organisations they manage) who are overdue.

None to anyone who turned reminders off, or whose account is closed. Needs a request
context for the links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import exists

from learnapp.content.model import Course
from learnapp.dbutil import insert_or_ignore
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import (
    Cohort,
    CohortCourse,
    CohortMember,
    DueReminder,
    Enrolment,
    Role,
    User,
    now_utc,
    organisation_manager,
)

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Late:
    """One overdue member in a digest."""

    name: str
    email: str
    course_title: str
    due_on: dt.date


@dataclass(frozen=True)
class Sent:
    due_soon: int = 0
    overdue: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue + self.digests


def _reachable(query):
    return query.where(
        User.active.is_(True), User.deleted_at.is_(None), User.reminders_off.is_(False)
    )


def _unfinished(courses: Mapping[str, Course], due_from: dt.date, due_to: dt.date):
    """(cohort, planned course, member) of live courses due within [due_from, due_to] that
    the member has not completed."""
    completed = (
        exists()
        .where(
            Enrolment.user_id == CohortMember.user_id,
            Enrolment.course_slug == CohortCourse.course_slug,
            Enrolment.completed_at.is_not(None),
        )
        .correlate(CohortMember, CohortCourse)
    )
    query = (
        db.select(Cohort, CohortCourse, User)
        .join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(User, User.id == CohortMember.user_id)
        .where(
            CohortCourse.course_slug.in_(
                [slug for slug, course in courses.items() if course.status == "published"]
            ),
            CohortCourse.due_on.between(due_from, due_to),
            ~completed,
        )
        .order_by(Cohort.id, CohortCourse.course_slug, User.id)
    )
    return db.session.execute(query).all()


def _take(kind: str, cohort: Cohort, course_slug: str, user: User, period: str) -> bool:
    """Claim this message: True for the one caller that may send it."""
    return insert_or_ignore(
        DueReminder,
        kind=kind,
        cohort_id=cohort.id,
        course_slug=course_slug,
        user_id=user.id,
        period=period,
        sent_at=now_utc(),
    )


def _off_url(user: User) -> str:
    return mail.absolute(url_for("mail.reminders_off", token=mail.reminders_off_token(user)))


def _to_learners(kind: str, rows, courses: Mapping[str, Course]) -> int:
    send = mail.due_soon if kind == "due_soon" else mail.overdue
    count = 0
    for cohort, planned, user in rows:
        if not _take(kind, cohort, planned.course_slug, user, planned.due_on.isoformat()):
            continue
        course = courses[planned.course_slug]
        url = mail.absolute(url_for("catalogue.course", course_slug=course.slug))
        send(user, course.title, planned.due_on, url, _off_url(user))
        count += 1
    return count


def _reachable_rows(rows):
    ids = {user.id for _cohort, _planned, user in rows}
    if not ids:
        return []
    reachable = set(db.session.scalars(_reachable(db.select(User.id).where(User.id.in_(ids)))))
    return [row for row in rows if row[2].id in reachable]


def _digests(courses: Mapping[str, Course], today: dt.date) -> int:
    """Each cohort's overdue members to the managers of its organisation, once an ISO week."""
    year, week, _day = today.isocalendar()
    period = f"{year}-W{week:02d}"
    late_rows = _unfinished(courses, dt.date.min, today - dt.timedelta(days=1))
    by_cohort: dict[int, tuple[Cohort, list]] = {}
    for cohort, planned, user in late_rows:
        if user.is_active and cohort.organisation_id is not None:
            by_cohort.setdefault(cohort.id, (cohort, []))[1].append((planned, user))
    count = 0
    for cohort, late in by_cohort.values():
        managers = db.session.scalars(
            _reachable(
                db.select(User)
                .join(organisation_manager, organisation_manager.c.user_id == User.id)
                .where(
                    organisation_manager.c.organisation_id == cohort.organisation_id,
                    User.role == Role.MANAGER,
                )
                .order_by(User.id)
            )
        ).all()
        for manager in managers:
            scope = {organisation.id for organisation in manager.managed_organisations}
            theirs = [
                Late(user.name, user.email, courses[planned.course_slug].title, planned.due_on)
                for planned, user in late
                if user.organisation_id in scope
            ]
            if not theirs or not _take("overdue_digest", cohort, "", manager, period):
                continue
            url = mail.absolute(url_for("admin.dashboard", cohort=cohort.id))
            mail.overdue_digest(manager, cohort.name, theirs, url, _off_url(manager))
            count += 1
    return count


def send_due_reminders(courses: Mapping[str, Course], today: dt.date | None = None) -> Sent:
    """Queue every due-date message due today (flushed, not committed); how many of each."""
    today = today or now_utc().date()
    soon = _reachable_rows(_unfinished(courses, today + dt.timedelta(days=1), today + WEEK))
    late = _reachable_rows(_unfinished(courses, dt.date.min, today - dt.timedelta(days=1)))
    return Sent(
        due_soon=_to_learners("due_soon", soon, courses),
        overdue=_to_learners("overdue", late, courses),
        digests=_digests(courses, today),
    )
