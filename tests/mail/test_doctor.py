"""`learnapp doctor` on mail: unset, unusable, a server that answers, messages left behind."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from learnapp import doctor
from learnapp.extensions import db
from learnapp.mail import service
from learnapp.mail.sender import InvalidMailURL, MailServer
from learnapp.models import OutboxMessage, now_utc
from tests.mail.conftest import free_port


def test_a_server_that_answers_is_ok(app, smtp):
    check = doctor.check_mail(app)
    assert check.status == "ok" and f"127.0.0.1:{smtp.port}" in check.detail


def test_the_url_is_read_and_no_password_is_shown():
    server = MailServer.from_url("smtps://robot%40x:s3cr%2Ft@mail.example.org")
    assert (server.host, server.port, server.ssl) == ("mail.example.org", 465, True)
    assert (server.username, server.password) == ("robot@x", "s3cr/t")
    assert "s3cr" not in server.describe() and "s3cr" not in repr(server)
    starttls = MailServer.from_url("smtp://mail.example.org:587?starttls=1")
    assert (starttls.port, starttls.starttls, starttls.ssl) == (587, True, False)
    for bad in ("mail.example.org", "smtp://", "smtp://h:99999", "smtp://h?tls=1"):
        with pytest.raises(InvalidMailURL):
            MailServer.from_url(bad)


def test_unset_is_a_warning_that_says_what_happens(app):
    app.config["MAIL_URL"] = ""
    check = doctor.check_mail(app)
    assert check.status == "warning" and "no e-mail is sent" in check.detail


def test_an_unusable_url_or_a_silent_server_is_a_failure(app):
    app.config["MAIL_URL"] = "http://mail.example.org"
    assert doctor.check_mail(app).status == "failure"
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    check = doctor.check_mail(app)
    assert check.status == "failure" and "does not accept" in check.detail


def test_failed_and_late_messages_are_reported(app, runner, smtp):
    service.enqueue(
        to_address="a@example.org", to_name="A", language="en", kind="password_reset",
        subject="x", url="https://x", hours=1,
    )  # fmt: skip
    db.session.execute(update(OutboxMessage).values(due_at=now_utc().replace(year=2020)))
    db.session.commit()
    assert "not sent" in doctor.check_outbox().detail
    db.session.execute(update(OutboxMessage).values(failed_at=now_utc()))
    db.session.commit()
    result = runner.invoke(args=["doctor"])
    assert "1 message(s) failed for good" in result.output and "/admin/email" in result.output
