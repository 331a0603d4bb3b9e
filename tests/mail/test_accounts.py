"""E-mail in the account journeys: forgotten passwords, invitations, a new address,
certificates issued; each read from what the real SMTP server received."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from learnapp.extensions import db
from learnapp.mail.sender import MailServer, drain
from learnapp.models import AuditEvent, Enrolment, OutboxMessage, User
from tests.conftest import COURSE, PASSWORD, finish_course
from tests.mail.conftest import html_part, text_part

NEW = {"password": "a brand new password", "confirm": "a brand new password"}
ANSWER = "If an account uses this address"


def deliver(smtp) -> int:
    return drain(MailServer.from_url(smtp.url)).sent


def link_in(message, prefix: str) -> str:
    return re.search(rf"https://learn\.example\.org({prefix}\S+)", text_part(message)).group(1)


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


class TestForgotPassword:
    def test_the_login_page_links_to_it(self, client):
        assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)

    def test_the_same_answer_for_an_unknown_address_and_no_mail(self, client, make_user, smtp):
        make_user(email="known@example.org")
        known = client.submit("/forgot-password", {"email": "known@example.org"})
        unknown = client.submit("/forgot-password", {"email": "nobody@example.org"})
        assert known.status_code == unknown.status_code == 200
        assert ANSWER in known.get_data(as_text=True) and ANSWER in unknown.get_data(as_text=True)
        assert deliver(smtp) == 1
        assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["known@example.org"]

    def test_answers_take_as_long_for_every_address(self, client, make_user, monkeypatch):
        """On a virtual clock (a real one proves nothing on a shared machine): a known
        address's work takes longer, and the wait makes up the difference exactly."""
        from learnapp.auth import service, views

        clock = [100.0]
        send = service.send_reset_link

        def slow_send(email, link):
            clock[0] += 0.3 if email == "known@example.org" else 0.01
            return send(email, link)

        def sleep(seconds):
            clock[0] += seconds

        fake_time = SimpleNamespace(monotonic=lambda: clock[0], sleep=sleep)
        monkeypatch.setattr(views, "time", fake_time)
        monkeypatch.setattr(views.service, "send_reset_link", slow_send)
        make_user(email="known@example.org")
        client.csrf_token()
        timings = []
        for email in ("known@example.org", "nobody@example.org"):
            started = clock[0]
            assert ANSWER in client.submit("/forgot-password", {"email": email}).get_data(
                as_text=True
            )
            timings.append(clock[0] - started)
        assert timings == [pytest.approx(views.FORGOT_SECONDS)] * 2

    def test_a_deactivated_account_gets_nothing(self, client, make_user, smtp):
        user = make_user(email="gone@example.org")
        user.active = False
        db.session.commit()
        client.submit("/forgot-password", {"email": "gone@example.org"})
        assert outbox() == []

    def test_a_new_request_cancels_the_earlier_link(self, client, make_user, smtp):
        make_user(email="twice@example.org")
        client.submit("/forgot-password", {"email": "twice@example.org"})
        client.submit("/forgot-password", {"email": "twice@example.org"})
        deliver(smtp)
        first, second = (link_in(m, "/reset/") for m in smtp.messages)
        assert client.get(first).status_code == 404
        assert client.submit(second, NEW).status_code == 303

    def test_the_link_expires_after_an_hour(self, client, make_user, smtp):
        from learnapp.models import PasswordReset, now_utc

        make_user(email="late@example.org")
        client.submit("/forgot-password", {"email": "late@example.org"})
        deliver(smtp)
        reset = db.session.scalar(db.select(PasswordReset))
        assert 3590 < (reset.expires_at - now_utc()).total_seconds() <= 3600
        reset.expires_at = now_utc()
        db.session.commit()
        assert client.get(link_in(smtp.messages[0], "/reset/")).status_code == 404

    def test_hostile_input_gets_a_clear_error(self, client):
        page = client.submit("/forgot-password", {"email": "x" * 300})
        assert page.status_code == 200 and "Please correct the following" in page.get_data(
            as_text=True
        )
        assert outbox() == []


class TestForgotPasswordLimits:
    @pytest.fixture
    def config_overrides(self, smtp):
        return {"RATELIMIT_ENABLED": True, "MAIL_URL": smtp.url}

    @pytest.fixture(autouse=True)
    def quick(self, monkeypatch):
        monkeypatch.setattr("learnapp.auth.views.FORGOT_SECONDS", 0.0)

    def test_three_an_hour_per_address(self, client, make_user):
        make_user(email="target@example.org")
        statuses = [
            client.submit("/forgot-password", {"email": "Target@example.org"}).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        assert len(outbox()) == 3
        assert client.submit("/forgot-password", {"email": "other@example.org"}).status_code == 200

    def test_ten_an_hour_per_client_address(self, client):
        statuses = [
            client.submit("/forgot-password", {"email": f"p{n}@example.org"}).status_code
            for n in range(11)
        ]
        assert statuses == [200] * 10 + [429]


class TestWithoutAMailServer:
    @pytest.fixture
    def config_overrides(self):
        return {"MAIL_URL": ""}

    def test_the_page_says_to_ask_the_administrator(self, client, make_user):
        make_user(email="known@example.org")
        page = client.get("/forgot-password").get_data(as_text=True)
        assert "Ask your administrator" in page and 'name="email"' not in page
        posted = client.submit("/forgot-password", {"email": "known@example.org"})
        assert "Ask your administrator" in posted.get_data(as_text=True)

    def test_the_outbox_still_records_what_would_have_gone(self, client, runner):
        finish_course(client_logged_in(client))
        [row] = outbox()
        assert row.kind == "certificate_issued" and row.sent_at is None
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0 and "LEARNAPP_MAIL_URL is not set" in result.output
        assert outbox()[0].sent_at is None


def client_logged_in(client):
    from learnapp.auth import service

    user = service.create_user(email="finisher@example.org", name="Fin", password=PASSWORD)
    db.session.commit()
    client.submit("/login", {"email": user.email, "password": PASSWORD})
    return client


class TestInvitation:
    def invite(self, client, **overrides):
        data = {
            "email": "nadia@example.org",
            "name": "Nadia Saleh",
            "organisation": "none",
            "course": "basics",
            "language": "fr",
            **overrides,
        }
        return client.submit("/admin/learners/invite", data)

    def test_an_invited_person_sets_a_password_and_lands_in_the_course(
        self, app, client, login_as, smtp
    ):
        login_as("admin")
        assert self.invite(client).status_code == 303
        invited = db.session.scalar(db.select(User).where(User.email == "nadia@example.org"))
        assert (
            db.session.scalar(
                db.select(Enrolment.course_slug).where(Enrolment.user_id == invited.id)
            )
            == "basics"
        )
        assert client.submit("/logout").status_code == 303
        assert (
            client.submit("/login", {"email": invited.email, "password": "!invited"}).status_code
            == 200
        )

        assert deliver(smtp) == 1
        [message] = smtp.messages
        assert message["Subject"].startswith("Vous êtes invité")
        link = link_in(message, "/welcome/")
        assert link in html_part(message)
        landed = client.submit(link, NEW)
        assert landed.status_code == 303 and landed.location.endswith(COURSE)
        assert client.get("/account").status_code == 200  # logged in
        assert client.get(link).status_code == 404  # once only

    def test_an_address_in_use_is_refused(self, client, login_as, make_user):
        make_user(email="taken@example.org")
        login_as("admin")
        page = self.invite(client, email="TAKEN@example.org")
        assert page.status_code == 422
        assert "already exists" in page.get_data(as_text=True)
        assert outbox() == []

    @pytest.mark.parametrize("name", ["Dr. Ali \u202eSmith\u202c", "\u200b", "\x1b[31mRed"])
    def test_an_invisible_or_direction_changing_name_is_refused(self, client, login_as, name):
        login_as("admin")
        page = self.invite(client, name=name)
        assert page.status_code == 422
        assert db.session.scalar(db.select(User).where(User.email == "nadia@example.org")) is None
        assert outbox() == []

    def test_an_unknown_course_is_refused(self, client, login_as):
        login_as("admin")
        assert self.invite(client, course="draft-notes").status_code == 422
        assert outbox() == []

    def test_learners_cannot_invite(self, client, login_as):
        login_as("learner")
        assert self.invite(client).status_code == 403


class TestEmailChange:
    def test_the_new_address_confirms_the_change(self, client, login_as, smtp):
        user = login_as(email="old@example.org")
        asked = client.submit(
            "/account/email", {"email-email": "new@example.org", "email-password": PASSWORD}
        )
        assert asked.status_code == 303
        db.session.refresh(user)
        assert user.email == "old@example.org"  # nothing yet
        deliver(smtp)
        [message] = smtp.messages
        assert message["To"].addresses[0].addr_spec == "new@example.org"
        link = link_in(message, "/account/email/")
        assert "new@example.org" in client.get(link).get_data(as_text=True)
        assert client.submit(link).status_code == 303
        db.session.refresh(user)
        assert user.email == "new@example.org"
        assert client.get(link).status_code == 404  # used
        assert db.session.scalar(
            db.select(AuditEvent.action).where(AuditEvent.action == "user.email_change")
        )

    def test_a_wrong_password_or_a_taken_address_is_refused(self, client, login_as, make_user):
        make_user(email="taken@example.org")
        login_as(email="me@example.org")
        wrong = client.submit(
            "/account/email", {"email-email": "new@example.org", "email-password": "wrong one!"}
        )
        assert wrong.status_code == 422 and "not your current password" in wrong.get_data(
            as_text=True
        )
        taken = client.submit(
            "/account/email", {"email-email": "taken@example.org", "email-password": PASSWORD}
        )
        assert taken.status_code == 422 and "Another account" in taken.get_data(as_text=True)
        assert outbox() == []

    def test_a_forged_link_does_nothing(self, client):
        assert client.get("/account/email/not-a-token").status_code == 404
        assert client.submit("/account/email/not-a-token").status_code == 404


def test_a_certificate_issued_is_mailed_with_its_verification_link(app, client, login_as, smtp):
    login_as(name="Lina Farah", email="lina@example.org")
    certificate = finish_course(client)
    deliver(smtp)
    [message] = smtp.messages
    assert message["Subject"] == "Your certificate for Basics of Cooperation"
    verify = f"https://learn.example.org/verify/{certificate.code}"
    assert verify in text_part(message) and verify in html_part(message)
    assert not any(part.get_filename() for part in message.walk())  # no attachment
    assert client.get(verify.removeprefix("https://learn.example.org")).status_code == 200


def test_a_deleted_account_leaves_no_message_behind(client, login_as, smtp):
    login_as(email="leaving@example.org")
    client.submit("/forgot-password", {"email": "leaving@example.org"})
    assert len(outbox()) == 1
    deleted = client.submit("/account/delete", {"delete-password": PASSWORD})
    assert deleted.status_code == 303
    assert outbox() == []


def test_sent_messages_are_forgotten_after_ninety_days(app, client, make_user, runner, smtp):
    import datetime as dt

    from learnapp.models import now_utc

    make_user(email="old@example.org")
    client.submit("/forgot-password", {"email": "old@example.org"})
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    row = outbox()[0]
    row.sent_at = now_utc() - dt.timedelta(days=91)
    db.session.commit()
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert outbox() == []
