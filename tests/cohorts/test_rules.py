"""The cohort status rule, pure, and the same rule in the reports' SQL on the same data."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from learnapp.admin.reports import Filters, cohort_figures, dashboard, enrolment_rows
from learnapp.catalogue import catalogue
from learnapp.cohorts import service
from learnapp.cohorts.rules import CohortStatus, cohort_status, urgency
from learnapp.extensions import db
from learnapp.models import CohortMember, Enrolment, now_utc
from learnapp.progress.rules import Status
from tests.admin.conftest import LESSONS, do_lessons, finish

DAY = dt.timedelta(days=1)
TODAY = dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("due_on", "progress", "expected"),
    [
        (None, None, CohortStatus.NOT_STARTED),
        (None, Status.IN_PROGRESS, CohortStatus.IN_PROGRESS),
        (TODAY, Status.NOT_STARTED, CohortStatus.NOT_STARTED),  # due today: not yet overdue
        (TODAY, Status.IN_PROGRESS, CohortStatus.IN_PROGRESS),
        (TODAY - DAY, None, CohortStatus.OVERDUE),  # never enrolled, the day after
        (TODAY - DAY, Status.NOT_STARTED, CohortStatus.OVERDUE),
        (TODAY - DAY, Status.IN_PROGRESS, CohortStatus.OVERDUE),
        (TODAY - 30 * DAY, Status.COMPLETED, CohortStatus.COMPLETED),  # late but done
        (TODAY + DAY, Status.COMPLETED, CohortStatus.COMPLETED),
    ],
)
def test_cohort_status(due_on, progress, expected):
    assert cohort_status(due_on, TODAY, progress) is expected


def test_urgency_puts_overdue_first_then_nearest_then_undated_then_completed():
    plans = [
        ("done", TODAY - 9 * DAY, CohortStatus.COMPLETED),
        ("undated", None, CohortStatus.IN_PROGRESS),
        ("soon", TODAY + DAY, CohortStatus.NOT_STARTED),
        ("late", TODAY - DAY, CohortStatus.OVERDUE),
        ("later", TODAY + 9 * DAY, CohortStatus.IN_PROGRESS),
        ("very late", TODAY - 5 * DAY, CohortStatus.OVERDUE),
    ]
    ordered = sorted(plans, key=lambda p: urgency(p[1], p[2]))
    assert [name for name, *_ in ordered] == [
        "very late",
        "late",
        "soon",
        "later",
        "undated",
        "done",
    ]


def test_cohort_status_in_python_and_in_sql_agree(app, make_user, make_cohort):
    """The learner's page (Python) and the reports and dashboard (SQL) give each member of
    each cohort one status, on the same day."""
    today = now_utc().date()
    people = {
        name: make_user(name=name, organisation="Ministry A")
        for name in (
            "finished",
            "half way",
            "enrolled only",
            "never enrolled",
            "finished late",
        )
    }
    past = make_cohort("Past due", {"basics": today - DAY}, members=people.values())
    future = make_cohort("Due later", {"basics": today + 7 * DAY}, members=people.values())
    undated = make_cohort("No date", {"basics": None}, members=people.values())
    finish(people["finished"])
    finish(people["finished late"])
    do_lessons(people["half way"], LESSONS[0])
    # Added to the cohorts while the course was not live: a member, not enrolled.
    db.session.execute(
        db.delete(CohortMember).where(CohortMember.user_id == people["never enrolled"].id)
    )
    for cohort in (past, future, undated):
        db.session.add(
            CohortMember(
                cohort_id=cohort.id, user_id=people["never enrolled"].id, added_at=now_utc()
            )
        )
    db.session.execute(db.delete(Enrolment).where(Enrolment.user_id == people["never enrolled"].id))
    db.session.commit()

    courses = catalogue().courses
    for cohort in (past, future, undated):
        in_python = {}
        for user in people.values():
            [due] = [d for d in service.due_dates(user, courses, today) if d.cohort == cohort.name]
            in_python[user.id] = due.status
        rows = db.session.execute(enrolment_rows(courses, Filters(cohort=cohort.id), today=today))
        in_sql = {row.user_id: CohortStatus(row.cohort_status) for row in rows}
        enrolled = {uid: s for uid, s in in_python.items() if uid != people["never enrolled"].id}
        assert in_sql == enrolled, cohort.name
        [figures] = cohort_figures(courses, Filters(cohort=cohort.id), today)
        assert figures.members == len(people)
        assert {s: n for s, n in figures.counts.items() if n} == Counter(in_python.values())

    statuses = {
        cohort.name: Counter(
            d.status
            for user in people.values()
            for d in service.due_dates(user, courses, today)
            if d.cohort == cohort.name
        )
        for cohort in (past, future, undated)
    }
    assert statuses["Past due"] == {CohortStatus.COMPLETED: 2, CohortStatus.OVERDUE: 3}
    assert statuses["Due later"] == {
        CohortStatus.COMPLETED: 2,
        CohortStatus.IN_PROGRESS: 1,
        CohortStatus.NOT_STARTED: 2,
    }
    assert statuses["No date"] == statuses["Due later"]

    # The dashboard counts the same figures in its own statement, from its enrolment rows
    # (with an enrolment date filter it asks `cohort_figures`).
    organisation = people["finished"].organisation_id
    for filters in (
        Filters(),
        Filters(cohort=past.id),
        Filters(organisation=organisation, scope=frozenset({organisation})),
        Filters(scope=frozenset({organisation + 1})),
        Filters(enrolled_from=today),
    ):
        shown = dashboard(courses, filters, with_cohorts=True, today=today).cohorts
        assert shown == cohort_figures(courses, filters, today), filters
    everything = dashboard(courses, Filters(), with_cohorts=True, today=today).cohorts
    assert [(f.cohort, f.members) for f in everything] == [
        ("Past due", 5),
        ("Due later", 5),
        ("No date", 5),
    ]
    assert everything[0].counts == {
        CohortStatus.NOT_STARTED: 0,
        CohortStatus.IN_PROGRESS: 0,
        CohortStatus.COMPLETED: 2,
        CohortStatus.OVERDUE: 3,
    }
