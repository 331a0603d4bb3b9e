"""The learner journey works by keyboard alone (issue 8, SPEC §5)."""

import re

import pytest

from tests.browser.conftest import PASSWORD, create_account

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return (el.getAttribute('aria-label') || label || el.innerText || el.id || '').trim();
}"""


def tab_to(page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element is called `name` (a regular expression)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if re.search(name, page.evaluate(FOCUSED)):
            return
    raise AssertionError(f"could not reach {name!r} by Tab")


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(visit):
    page = visit.page
    visit.go("/")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_learner_journey_by_keyboard_alone(visit, live_server):
    page = visit.page
    email = create_account(live_server)
    visit.go("/login")
    tab_to(page, "^E-mail$")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_enter_and_wait(page)

    tab_to(page, "^Origins of a Learning Alliance$")
    press_enter_and_wait(page)
    tab_to(page, "^Enrol in this course$")
    press_enter_and_wait(page)
    first_lesson = page.locator("h1").inner_text()
    tab_to(page, "^Mark complete and continue$")
    press_enter_and_wait(page)
    assert page.locator("h1").inner_text() != first_lesson
    assert page.get_by_text("Progress: 14%").is_visible()  # 1 of 7 steps

    visit.go("/courses/origins-of-a-learning-alliance/quizzes/check-your-understanding")
    # Answer the first question with the arrow keys and submit with Enter.
    tab_to(page, "private consulting company|UN-hosted unit")
    page.keyboard.press("Space")
    tab_to(page, "^Submit answers$")
    press_enter_and_wait(page)
    assert page.get_by_text("Please answer every question").is_visible()
    assert page.locator("input[type=radio]:checked").count() == 1  # the answer was kept
