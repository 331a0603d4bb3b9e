"""Admin pages in Chromium (issue 7): axe on each page; filters and actions without JS."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, assert_accessible, seed_people

pytestmark = pytest.mark.browser
COURSE = "origins-of-a-learning-alliance"


@pytest.fixture(scope="module")
def people(live_server):
    return seed_people(live_server.app)


def log_in(tab, email: str) -> None:
    tab.go("/login")
    tab.page.get_by_label("E-mail").fill(email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Log in").click()
    tab.page.wait_for_url(tab.base_url + "/")


def test_every_admin_page_passes_axe(visit, people):
    page = visit.page
    learner_id = people["learner"][0]
    log_in(visit, people["admin"][1])
    quiz = catalogue_quiz_path(visit)
    for path in (
        "/admin/",
        f"/admin/?organisation={people['organisation']}&enrolled_from=2000-01-01",
        "/admin/learners",
        "/admin/learners?sort=progress&dir=desc",
        f"/admin/learners/{learner_id}",
        "/admin/organisations",
        "/admin/organisations/new",
        f"/admin/organisations/{people['organisation']}",
        "/admin/quizzes",
        quiz,
        "/admin/content",
        "/admin/audit",
    ):
        response = visit.go(path)
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)

    # The one-time link page, and the page the learner opens with it.
    visit.go(f"/admin/learners/{learner_id}")
    page.get_by_label("Reason (kept in the audit log)").nth(1).fill("Asked by phone")
    page.get_by_role("button", name="Create a one-time link").click()
    expect(page.get_by_role("heading", name=re.compile("Password-reset link for"))).to_be_visible()
    assert_accessible(page)
    link = page.get_by_label("One-time link").input_value()
    visit.go(link.removeprefix(visit.base_url))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)


def catalogue_quiz_path(tab) -> str:
    tab.go("/admin/quizzes")
    return tab.page.locator("a[href^='/admin/quizzes/']").first.get_attribute("href")


def test_trainer_overview_passes_axe(visit, people):
    log_in(visit, people["trainer"][1])
    visit.go("/admin/")
    expect(visit.page.get_by_role("heading", name="Trainer")).to_be_visible()
    assert_accessible(visit.page)
    assert visit.go("/admin/learners").status == 403


def test_filters_and_actions_work_without_javascript(visit_any_js, people):
    tab, page = visit_any_js, visit_any_js.page
    log_in(tab, people["admin"][1])
    tab.go("/admin/")
    page.get_by_label("Organisation", exact=True).select_option(str(people["organisation"]))
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(f"organisation={people['organisation']}"))
    page.get_by_role("link", name=re.compile("completed Origins")).click()
    expect(page.get_by_role("link", name=re.compile("Browser Learner"))).to_be_visible()
    tab.check_accessible()

    page.get_by_role("link", name=re.compile("Browser Learner")).click()
    page.get_by_label("Role", exact=True).select_option("trainer")
    page.get_by_label("Reason (kept in the audit log)").first.fill("Runs workshops now")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Account updated.")).to_be_visible()
    page.get_by_label("Role", exact=True).select_option("learner")
    page.get_by_label("Reason (kept in the audit log)").first.fill("Back to learning")
    page.get_by_role("button", name="Save changes").click()
    tab.go("/admin/audit")
    expect(page.get_by_text("Runs workshops now").first).to_be_visible()
