"""The pure cohort rule: where a learner stands against a due date (the reports compute
the same in SQL, `learnapp.admin.reports.cohort_status_case`; one test runs both)."""

from __future__ import annotations

import datetime as dt
import enum

from learnapp.progress.rules import Status


class CohortStatus(enum.StrEnum):
    """As the reports and CSVs write it."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"


PLAIN = {
    Status.NOT_STARTED: CohortStatus.NOT_STARTED,
    Status.IN_PROGRESS: CohortStatus.IN_PROGRESS,
    Status.COMPLETED: CohortStatus.COMPLETED,
}


def cohort_status(due_on: dt.date | None, today: dt.date, progress: Status | None) -> CohortStatus:
    """Completed is kept whatever the date; unfinished after the due day is overdue (a course
    due on 31 March is overdue from 1 April); no enrolment yet counts as not started."""
    progress = progress or Status.NOT_STARTED
    if progress is not Status.COMPLETED and due_on is not None and today > due_on:
        return CohortStatus.OVERDUE
    return PLAIN[progress]


def days_left(due_on: dt.date | None, today: dt.date) -> int | None:
    """Days until the due day (0 on the day itself, negative once it has passed)."""
    return None if due_on is None else (due_on - today).days


def urgency(due_on: dt.date | None, status: CohortStatus) -> tuple:
    """Sort key, most urgent first: overdue (longest overdue first), then the nearest due
    date, then no due date, and completed courses last."""
    done = status is CohortStatus.COMPLETED
    return (done, due_on is None, due_on or dt.date.max)
