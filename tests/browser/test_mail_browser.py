"""Forgot password in Chromium, end to end through a real SMTP server, axe-clean (issue 15)."""

from __future__ import annotations

import re

import pytest

from learnapp.extensions import db
from learnapp.mail.sender import MailServer, drain
from tests.browser.conftest import create_account
from tests.mail.conftest import Inbox, free_port, text_part

pytestmark = pytest.mark.browser


@pytest.fixture
def mailing(live_server):
    """The live app with a mail server: what it sends arrives in the returned inbox."""
    inbox = Inbox(free_port())
    inbox.up()
    app = live_server.app
    app.config["MAIL_URL"] = inbox.url
    yield inbox
    app.config["MAIL_URL"] = ""
    inbox.down()


def deliver(live_server, inbox) -> None:
    with live_server.app.app_context():
        drain(MailServer.from_url(inbox.url))
        db.session.remove()


def test_forgot_password_from_the_login_page_to_a_new_password(visit, live_server, mailing):
    email = create_account(live_server, name="Samir Khoury")
    page = visit.page
    visit.go("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(visit.base_url + "/forgot-password")
    visit.check_accessible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_text("If an account uses this address").is_visible()
    visit.check_accessible()

    deliver(live_server, mailing)
    [message] = mailing.to(email)
    link = re.search(r"https?://\S+/reset/\S+", text_part(message)).group(0)
    path = link.split("/reset/", 1)[1]
    visit.go(f"/reset/{path}")
    visit.check_accessible()
    page.get_by_label("New password", exact=True).fill("my new long password")
    page.get_by_label("Repeat the new password").fill("my new long password")
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url(visit.base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("my new long password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(visit.base_url + "/")
    assert page.get_by_role("link", name="My learning").is_visible()

    visit.go(f"/reset/{path}")  # once only
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    visit.go("/account")
    visit.check_accessible()  # the address and reminder sections too


def test_the_admin_email_page_is_accessible(visit, live_server, mailing):
    from tests.browser.conftest import log_in

    log_in(visit, create_account(live_server, role="admin"))
    visit.go("/admin/email")
    assert visit.page.get_by_role("heading", name="E-mail").is_visible()
    visit.check_accessible()
    visit.go("/admin/learners/invite")
    visit.check_accessible()
