"""Learners see their due dates on /me and on the course page, most urgent first."""

from __future__ import annotations

import datetime as dt
import re

from learnapp.extensions import db
from learnapp.models import CohortMember, now_utc
from tests.admin.conftest import finish
from tests.conftest import COURSE, PASSWORD

DAY = dt.timedelta(days=1)


def test_me_lists_due_dates_overdue_first_then_nearest(client, login_as, make_cohort):
    learner = login_as(email="amina@example.org")
    today = now_utc().date()
    make_cohort("Later cohort", {"basics": today + 10 * DAY}, members=[learner])
    make_cohort("Late cohort", {"integrity": today - 3 * DAY}, members=[learner])
    make_cohort("Soon cohort", {"basics": today + 2 * DAY}, members=[learner])
    page = client.get("/me").get_data(as_text=True)
    section = page.split('id="due-dates"')[1].split("</section>")[0]
    cohorts = re.findall(r"cohort “([^”]+)”", section)
    assert cohorts == ["Late cohort", "Soon cohort", "Later cohort"]
    late = section.split("</li>")[0]
    assert "Overdue" in late and "3 days ago" in late
    assert "in 2 days" in section and "in 10 days" in section


def test_the_course_page_shows_the_due_date_and_completion_ends_the_urgency(
    client, login_as, make_cohort
):
    learner = login_as(email="amina@example.org")
    today = now_utc().date()
    make_cohort("Spring", {"basics": today}, members=[learner])
    page = client.get(COURSE).get_data(as_text=True)
    assert "Your due date" in page and "Due today" in page
    assert "Due dates" not in client.get("/courses/integrity").get_data(as_text=True)
    finish(learner)
    page = client.get(COURSE).get_data(as_text=True)
    due = page.split('id="due-title"')[1].split("</section>")[0]
    assert "Completed" in due and "Due today" not in due


def test_someone_in_no_cohort_sees_no_due_dates(client, login_as):
    login_as()
    assert 'id="due-dates"' not in client.get("/me").get_data(as_text=True)
    assert 'id="due-title"' not in client.get(COURSE).get_data(as_text=True)


def test_the_data_export_holds_the_cohorts_and_their_due_dates(client, login_as, make_cohort):
    learner = login_as(email="amina@example.org")
    make_cohort("Spring", {"basics": dt.date(2027, 3, 31), "integrity": None}, members=[learner])
    data = client.get("/me/data.json").get_json()
    [spring] = data["cohorts"]
    assert spring["cohort"] == "Spring"
    assert spring["courses"] == [
        {"course": "basics", "due_on": "2027-03-31"},
        {"course": "integrity", "due_on": None},
    ]


def test_a_withdrawn_account_leaves_its_cohorts(client, login_as, make_cohort):
    learner = login_as(email="amina@example.org")
    cohort = make_cohort("Spring", {"basics": dt.date(2027, 3, 31)}, members=[learner])
    response = client.submit("/account/delete", {"delete-password": PASSWORD})
    assert response.status_code in (200, 303)
    assert db.session.scalar(db.select(CohortMember).filter_by(cohort_id=cohort.id)) is None
