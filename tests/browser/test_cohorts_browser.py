"""A partner manager's dashboard with a cohort, in Chromium and axe-clean: completion against
the due date; creating a cohort and adding a member with the forms; the learner's due dates."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from learnapp.catalogue import catalogue
from learnapp.cohorts import service as cohorts
from learnapp.extensions import db
from learnapp.models import Organisation, now_utc
from tests.browser.conftest import FIRST_COURSE, PASSWORD, assert_accessible, seed_people

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def focal(live_server):
    """A finished learner and one not started, in a cohort of their organisation that was
    due yesterday, and that organisation's partner manager."""
    from learnapp.auth import service as accounts

    people = seed_people(live_server.app)
    tag = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        organisation = db.session.get(Organisation, people["organisation"])
        late = accounts.create_user(
            email=f"late-{tag}@example.org", name=f"Late Learner {tag}", password=PASSWORD,
            role="learner", organisation=organisation,
        )  # fmt: skip
        manager = accounts.create_user(
            email=f"focal-{tag}@example.org", name=f"Focal Point {tag}", password=PASSWORD,
            role="manager", organisation=None,
        )  # fmt: skip
        manager.managed_organisations = [organisation]
        yesterday = now_utc().date() - dt.timedelta(days=1)
        cohort = cohorts.create(
            f"Health staff {tag}", organisation.id, {FIRST_COURSE: yesterday}, None
        )
        done = db.session.get(accounts.User, people["learner"][0])
        for member in (done, late):
            cohorts.join(cohort, member, catalogue().courses)
        db.session.commit()
        return {
            "tag": tag,
            "cohort": cohort.name,
            "manager": manager.email,
            "late": late.email,
            "late_name": late.name,
            "course": catalogue().courses[FIRST_COURSE].title,
        }


def log_in(tab, email: str) -> None:
    tab.go("/login")
    tab.page.get_by_label("E-mail").fill(email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Log in").click()
    tab.page.wait_for_url(tab.base_url + "/")


def test_a_partner_managers_dashboard_shows_the_cohort_against_its_due_date(visit, focal):
    page = visit.page
    log_in(visit, focal["manager"])
    assert visit.go("/admin/").status == 200
    table = page.get_by_role("region", name="Cohorts against their due dates")
    row = table.get_by_role("row").filter(has_text=focal["cohort"])
    expect(row).to_contain_text("1 of 2 (50%)")
    expect(row.locator(".badge-bad")).to_have_text("1")  # the one not started is overdue
    assert_accessible(page)

    # The cohort filter narrows the dashboard and keeps it accessible.
    page.get_by_label("Cohort", exact=True).select_option(label=focal["cohort"])
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status")).to_contain_text(focal["cohort"])
    assert_accessible(page)


def test_a_partner_manager_creates_a_cohort_and_adds_a_member(visit, focal):
    page = visit.page
    log_in(visit, focal["manager"])
    visit.go("/admin/cohorts")
    assert_accessible(page)
    page.get_by_role("link", name="New cohort").click()
    assert_accessible(page)
    name = f"Autumn intake {focal['tag']}"
    page.get_by_label("Name").fill(name)
    course = focal["course"]
    page.get_by_label(course, exact=True).check()
    page.get_by_label(re.compile("Due date for “" + re.escape(course))).fill("2030-03-31")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    page.get_by_label("E-mail of the learner to add").fill(focal["late"])
    page.get_by_role("button", name="Add to the cohort").click()
    expect(page.get_by_role("list").filter(has_text=focal["late"])).to_be_visible()
    assert_accessible(page)


def test_the_learner_sees_the_overdue_course_first_on_their_page(visit, focal):
    page = visit.page
    log_in(visit, focal["late"])
    visit.go("/me")
    first = page.locator(".due-list li").first
    expect(first).to_contain_text("Overdue")
    assert_accessible(page)
