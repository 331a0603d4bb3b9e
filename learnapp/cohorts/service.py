"""Cohorts: find one, add a learner to it (enrolled in its courses). Flushes, never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func

from learnapp.content.model import Course
from learnapp.dbutil import insert_many, insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Cohort, CohortMember, User, now_utc
from learnapp.progress import service as progress


def by_name(name: str, scope: frozenset[int] | None = None) -> Cohort | None:
    """The cohort of this name (case-insensitive), if the viewer's scope reaches it: any
    for an admin (scope None), only those of their organisations for a partner manager."""
    query = db.select(Cohort).where(func.lower(Cohort.name) == name.strip().lower())
    if scope is not None:
        query = query.where(Cohort.organisation_id.in_(scope))
    return db.session.scalar(query)


def join(cohort: Cohort, user: User, courses: Mapping[str, Course]) -> bool:
    """Add the user to the cohort and enrol them in its courses that are live now
    (idempotent); whether they were not a member before."""
    added = insert_or_ignore(CohortMember, cohort_id=cohort.id, user_id=user.id, added_at=now_utc())
    for planned in cohort.courses:
        course = courses.get(planned.course_slug)
        if course is not None:
            progress.enrol(user, course)
    return added


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
        (user_id, planned.course_slug)
        for cohort, user_id in members
        for planned in cohort.courses
        if planned.course_slug in courses
    )
    return {(cohort_id, user_id) for cohort_id, user_id in added}
