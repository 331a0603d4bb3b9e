"""Register → log in → log out in Chromium, with and without JavaScript (issue 2)."""

import itertools

import pytest

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def test_register_login_logout(visit_any_js):
    page = visit_any_js.page
    email = f"browser{next(_numbers)}-{id(page)}@example.org"
    visit_any_js.go("/register")
    visit_any_js.check_accessible()
    page.get_by_label("Full name").fill("Nour Al-Huda")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Organisation", exact=True).select_option("other")
    page.get_by_label("Organisation name (if not in the list)").fill("Ministry of Health")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_label("Repeat the password").fill("a long password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(visit_any_js.base_url + "/")
    assert page.get_by_text("Welcome, Nour Al-Huda").is_visible()
    visit_any_js.check_accessible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(visit_any_js.base_url + "/")
    assert page.get_by_role("link", name="Log in").is_visible()

    visit_any_js.go("/login")
    visit_any_js.check_accessible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("E-mail or password is not right.").first.is_visible()
    visit_any_js.check_accessible()
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(visit_any_js.base_url + "/")
    assert page.get_by_role("link", name="My learning").is_visible()
