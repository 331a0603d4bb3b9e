"""Cohorts: find, create and edit them, add and remove learners, and each learner's due
dates. The viewer's scope (None for an admin, a partner manager's organisations otherwise)
is an argument wherever it matters. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func

from learnapp import audit
from learnapp.auth.names import clean_name
from learnapp.cohorts.rules import CohortStatus, cohort_status, days_left, urgency
from learnapp.content.model import Course
from learnapp.dbutil import insert_many, insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Cohort, CohortCourse, CohortMember, Enrolment, User, now_utc
from learnapp.progress import service as progress
from learnapp.progress.rules import status_of


class CohortNameTaken(Exception):
    """Another cohort already has this name (names are unique, case-insensitively)."""


class NotInScope(Exception):
    """The person or organisation is outside what the viewer manages."""


def by_name(name: str, scope: frozenset[int] | None = None) -> Cohort | None:
    """The cohort of this name (case-insensitive), if the viewer's scope reaches it: any
    for an admin (scope None), only those of their organisations for a partner manager."""
    query = db.select(Cohort).where(func.lower(Cohort.name) == name.strip().lower())
    if scope is not None:
        query = query.where(Cohort.organisation_id.in_(scope))
    return db.session.scalar(query)


def _scoped(query, scope: frozenset[int] | None):
    return query if scope is None else query.where(Cohort.organisation_id.in_(sorted(scope)))


def visible(scope: frozenset[int] | None) -> list[Cohort]:
    """The cohorts the viewer runs, by name."""
    return list(db.session.scalars(_scoped(db.select(Cohort), scope).order_by(Cohort.name)))


def get(cohort_id: int, scope: frozenset[int] | None) -> Cohort | None:
    """The cohort with this id if the viewer runs it, else None (shown as 404)."""
    return db.session.scalar(_scoped(db.select(Cohort).where(Cohort.id == cohort_id), scope))


def target(cohort: Cohort) -> str:
    """How audit events name a cohort."""
    return f"cohort:{cohort.id}"


def _plan(due: Mapping[str, dt.date | None]) -> dict[str, str | None]:
    return {slug: day.isoformat() if day else None for slug, day in sorted(due.items())}


def _check_name(name: str, cohort: Cohort | None = None) -> str:
    name = clean_name(name)
    taken = db.session.scalar(db.select(Cohort.id).where(func.lower(Cohort.name) == name.lower()))
    if taken is not None and (cohort is None or taken != cohort.id):
        raise CohortNameTaken(name)
    return name


def _check_organisation(organisation_id: int | None, scope: frozenset[int] | None) -> None:
    if scope is not None and organisation_id not in scope:
        raise NotInScope()


def create(
    name: str,
    organisation_id: int | None,
    due: Mapping[str, dt.date | None],
    scope: frozenset[int] | None,
    actor: User | None = None,
) -> Cohort:
    """A new cohort of these courses (slug → due date or None)."""
    _check_organisation(organisation_id, scope)
    cohort = Cohort(name=_check_name(name), organisation_id=organisation_id, created_at=now_utc())
    cohort.courses = [CohortCourse(course_slug=slug, due_on=day) for slug, day in due.items()]
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "cohort.create", target(cohort), cohort=cohort.name, courses=_plan(due))
    return cohort


def update(
    cohort: Cohort,
    name: str,
    organisation_id: int | None,
    due: Mapping[str, dt.date | None],
    scope: frozenset[int] | None,
    courses: Mapping[str, Course],
    actor: User | None = None,
) -> None:
    """Rename, move and re-plan a cohort; members are enrolled in a course added to it."""
    _check_organisation(organisation_id, scope)
    before = {
        "name": cohort.name,
        "organisation_id": cohort.organisation_id,
        "courses": _plan({p.course_slug: p.due_on for p in cohort.courses}),
    }
    cohort.name = _check_name(name, cohort)
    cohort.organisation_id = organisation_id
    planned = {planned.course_slug: planned for planned in cohort.courses}
    added = [slug for slug in due if slug not in planned]
    cohort.courses = [
        planned[slug] if slug in planned else CohortCourse(course_slug=slug) for slug in due
    ]
    for planned_course in cohort.courses:
        planned_course.due_on = due[planned_course.course_slug]
    db.session.flush()
    after = {"name": cohort.name, "organisation_id": organisation_id, "courses": _plan(due)}
    changes = {
        key: {"before": str(before[key]), "after": str(after[key])}
        for key in before
        if before[key] != after[key]
    }
    if changes:
        audit.record(actor, "cohort.update", target(cohort), cohort=cohort.name, **changes)
    for user in members(cohort):
        for slug in added:
            if slug in courses:
                progress.enrol(user, courses[slug])


def members(cohort: Cohort, scope: frozenset[int] | None = None) -> list[User]:
    """The cohort's learners that the viewer may see, by name."""
    query = (
        db.select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(func.lower(User.name), User.id)
    )
    if scope is not None:
        query = query.where(User.organisation_id.in_(sorted(scope)))
    return list(db.session.scalars(query))


def person(email: str, scope: frozenset[int] | None) -> User | None:
    """The active account with this e-mail, if the viewer may manage them."""
    user = db.session.scalar(
        db.select(User).where(
            func.lower(User.email) == email.strip().lower(), User.deleted_at.is_(None)
        )
    )
    if user is None or (scope is not None and user.organisation_id not in scope):
        return None
    return user


def join(
    cohort: Cohort, user: User, courses: Mapping[str, Course], actor: User | None = None
) -> bool:
    """Add the user to the cohort and enrol them in its courses that are live now
    (idempotent); whether they were not a member before. With an `actor`, audited."""
    added = insert_or_ignore(CohortMember, cohort_id=cohort.id, user_id=user.id, added_at=now_utc())
    if added and actor is not None:
        audit.record(
            actor, "cohort.member_add", target(cohort), cohort=cohort.name, email=user.email
        )
    for planned in cohort.courses:
        course = courses.get(planned.course_slug)
        if course is not None:
            progress.enrol(user, course)
    return added


def leave(cohort: Cohort, user: User, actor: User | None = None) -> bool:
    """Take the user out of the cohort (their enrolments and progress stay); whether they
    were a member."""
    result = db.session.execute(
        db.delete(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
        )
    )
    if result.rowcount == 1:
        audit.record(
            actor, "cohort.member_remove", target(cohort), cohort=cohort.name, email=user.email
        )
    return result.rowcount == 1


# What a learner sees ---------------------------------------------------------------------


def memberships(user: User) -> list[dict]:
    """The user's cohorts with their courses and due dates, for the user's data export."""
    rows = db.session.execute(
        db.select(Cohort.name, CohortMember.added_at, CohortCourse.course_slug, CohortCourse.due_on)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .outerjoin(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id)
        .order_by(Cohort.name, CohortCourse.course_slug)
    )
    cohorts: dict[str, dict] = {}
    for name, added_at, slug, due_on in rows:
        entry = cohorts.setdefault(
            name, {"cohort": name, "added_at": added_at.isoformat(), "courses": []}
        )
        if slug is not None:
            entry["courses"].append(
                {"course": slug, "due_on": due_on.isoformat() if due_on else None}
            )
    return list(cohorts.values())


@dataclass(frozen=True)
class DueDate:
    """One course a learner's cohort plans for them, and where they stand against it."""

    cohort: str
    course: Course
    due_on: dt.date | None
    status: CohortStatus
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.status is CohortStatus.OVERDUE


def due_dates(
    user: User, courses: Mapping[str, Course], today: dt.date, course_slug: str | None = None
) -> list[DueDate]:
    """The user's planned courses (of one course, with `course_slug`), most urgent first:
    overdue, then the nearest due date, then those without one, completed ones last."""
    query = (
        db.select(Cohort.name, CohortCourse.course_slug, CohortCourse.due_on)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id)
    )
    if course_slug is not None:
        query = query.where(CohortCourse.course_slug == course_slug)
    planned = [row for row in db.session.execute(query) if row.course_slug in courses]
    slugs = {row.course_slug for row in planned}
    completed = dict(
        db.session.execute(
            db.select(Enrolment.course_slug, Enrolment.completed_at).where(
                Enrolment.user_id == user.id, Enrolment.course_slug.in_(slugs)
            )
        ).all()
    )
    statuses = {}
    for slug in slugs:
        enrolled = slug in completed
        done = progress.progress(user, courses[slug]).done_count if enrolled else 0
        statuses[slug] = status_of(completed.get(slug) is not None, done) if enrolled else None
    rows = []
    for row in planned:
        status = cohort_status(row.due_on, today, statuses[row.course_slug])
        rows.append(
            DueDate(
                row.name, courses[row.course_slug], row.due_on, status, days_left(row.due_on, today)
            )
        )
    return sorted(rows, key=lambda d: (*urgency(d.due_on, d.status), d.cohort))


def join_many(
    members: Iterable[tuple[Cohort, int]], courses: Mapping[str, Course]
) -> set[tuple[int, int]]:
    """Add each (cohort, user id) and enrol the user in the cohort's live courses, in a few
    set-based statements (idempotent); the (cohort id, user id) pairs that were new."""
    members = list(dict.fromkeys((cohort, user_id) for cohort, user_id in members))
    now = now_utc()
    added = insert_many(
        CohortMember,
        [{"cohort_id": c.id, "user_id": user_id, "added_at": now} for c, user_id in members],
        returning=(CohortMember.cohort_id, CohortMember.user_id),
    )
    progress.enrol_many(
        [
            (user_id, courses[planned.course_slug])
            for cohort, user_id in members
            for planned in cohort.courses
            if planned.course_slug in courses
        ]
    )
    return {(cohort_id, user_id) for cohort_id, user_id in added}
