"""The outbox delivered to a real SMTP server (aiosmtpd): what arrives, once, and when."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text, update

from learnapp.extensions import db
from learnapp.mail import service
from learnapp.mail.sender import MailServer, claim, drain
from learnapp.models import OutboxMessage, now_utc
from tests.conftest import POSTGRES_URL, run_at_once
from tests.mail.conftest import html_part, text_part

REPOSITORY = Path(__file__).resolve().parents[2]
LEARNAPP = str(Path(sys.executable).parent / "learnapp")


def queue(app, count: int, **fields) -> list[int]:
    ids = []
    for number in range(count):
        row = service.enqueue(
            to_address=fields.get("to_address", f"person{number}@example.org"),
            to_name=fields.get("to_name", "A Person"),
            language=fields.get("language", "en"),
            kind="certificate_issued",
            subject=fields.get("subject", f"Message {number}"),
            course_title="Basics",
            verify_url="https://learn.example.org/verify/X",
        )
        ids.append(row.id)
    db.session.commit()
    return ids


def server(smtp) -> MailServer:
    return MailServer.from_url(smtp.url)


def test_forgot_password_mail_has_both_parts_and_a_link_that_works_once(
    app, client, smtp, make_user, runner
):
    user = make_user(email="amira@example.org", name="Amira Haddad")
    page = client.submit("/forgot-password", {"email": "AMIRA@example.org"})
    assert page.status_code == 200
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0

    [message] = smtp.messages
    assert message["To"].addresses[0].addr_spec == user.email
    assert message["To"].addresses[0].display_name == "Amira Haddad"
    assert message["From"].addresses[0].addr_spec == "learnapp@learn.example.org"
    assert message["Subject"] == "Reset your LearnApp password"
    assert message["Message-ID"].endswith("@learn.example.org>")
    assert message.is_multipart() and message.get_content_type() == "multipart/alternative"
    link = re.search(r"https://learn\.example\.org(/reset/\S+)", text_part(message)).group(1)
    assert link in html_part(message)
    assert "List-Unsubscribe" not in message

    new = {"password": "a brand new password", "confirm": "a brand new password"}
    assert client.get(link).status_code == 200
    assert client.submit(link, new).status_code == 303
    assert (
        client.submit("/login", {"email": user.email, "password": new["password"]}).status_code
        == 303
    )
    assert client.get(link).status_code == 404
    assert client.submit(link, new).status_code == 404


def test_subjects_and_names_in_french_and_arabic_arrive_encoded_and_intact(
    app, client, smtp, make_user
):
    make_user(email="eloise@example.org", name="Éloïse Çelik", language="fr")
    make_user(email="amal@example.org", name="أمل حداد", language="ar")
    with app.test_request_context():
        from learnapp.auth import service as accounts

        accounts.send_reset_link("eloise@example.org", lambda token: f"https://x/{token}")
        accounts.send_reset_link("amal@example.org", lambda token: f"https://x/{token}")
    db.session.commit()
    assert drain(server(smtp)).sent == 2

    raw = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    french, arabic = raw["eloise@example.org"], raw["amal@example.org"]
    assert french["Subject"] == "Réinitialisez votre mot de passe LearnApp"
    assert french["To"].addresses[0].display_name == "Éloïse Çelik"
    assert "=?utf-8?" in french.as_string().split("\n\n")[0]  # an encoded word, not raw bytes
    assert "Bonjour Éloïse Çelik" in text_part(french)
    assert arabic["To"].addresses[0].display_name == "أمل حداد"
    assert arabic["Subject"] and all(not c.isascii() for c in arabic["Subject"].split()[0])
    html = html_part(arabic)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert 'dir="ltr"' in html_part(french) and 'lang="fr"' in html_part(french)


def test_a_rolled_back_change_sends_nothing(app, smtp, make_user):
    user = make_user()
    service.password_reset(user, "https://learn.example.org/reset/x", 1)
    db.session.rollback()
    assert drain(server(smtp)).sent == 0
    assert (
        smtp.messages == [] and db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
    )


def test_each_message_goes_once_even_when_drained_again(app, smtp):
    queue(app, 5)
    assert drain(server(smtp)).sent == 5
    assert drain(server(smtp)).sent == 0
    assert len(smtp.messages) == len(set(smtp.ids())) == 5


def test_two_senders_at_once_deliver_every_message_exactly_once(app, smtp):
    if not POSTGRES_URL:
        pytest.skip("several senders on several nodes: PostgreSQL (SKIP LOCKED)")
    queue(app, 60)

    def sender(name):
        with app.app_context():
            try:
                return drain(server(smtp), name, batch=5).sent
            finally:
                db.session.remove()

    sent = run_at_once(sender, [("one",), ("two",), ("three",)])
    assert sum(sent) == 60
    assert len(smtp.messages) == len(set(smtp.ids())) == 60
    assert all(count > 0 for count in sent), sent  # they really shared the work


def test_the_smtp_server_down_then_back(app, smtp):
    queue(app, 3)
    smtp.down()
    delivery = drain(server(smtp))
    assert (delivery.sent, delivery.retrying) == (0, 3)
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert all(r.attempts == 1 and r.sent_at is None and r.due_at > now_utc() for r in rows)
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert drain(server(smtp)).sent == 0  # nothing due before the backoff ends

    smtp.up()
    db.session.execute(update(OutboxMessage).values(due_at=now_utc()))  # time passes
    db.session.commit()
    assert drain(server(smtp)).sent == 3
    assert len(smtp.messages) == 3


def test_the_admin_page_shows_failures_and_retries_them(app, client, smtp, login_as):
    queue(app, 2, subject="Reset link inside")
    db.session.execute(
        update(OutboxMessage).values(
            attempts=8, failed_at=now_utc(), last_error="SMTPRecipientsRefused: 550 no such user"
        )
    )
    db.session.commit()
    login_as("admin")
    page = client.get("/admin/email?status=failed").get_data(as_text=True)
    assert "550 no such user" in page and "Failed" in page
    assert "verify/X" not in page  # no body is ever shown
    assert client.submit("/admin/email/retry").status_code == 303
    assert drain(server(smtp)).sent == 2
    assert "Sent" in client.get("/admin/email").get_data(as_text=True)


def test_hostile_input_to_the_admin_page(app, client, login_as):
    login_as("admin")
    for value in ("x", "-1", "99999999999999999999", "١"):
        assert client.submit("/admin/email/retry", {"message": value}).status_code == 400
    assert client.get("/admin/email?status=<script>").status_code == 200


def test_a_subject_is_one_header_line_whatever_the_title(app, smtp, make_user):
    user = make_user()
    service.certificate_issued(user, "Evil\r\nBcc: victim@example.org\n" + "x" * 400, "https://v")
    db.session.commit()
    assert drain(server(smtp)).sent == 1
    [message] = smtp.messages
    assert message["Bcc"] is None and smtp.recipients == [[user.email]]
    assert message["Subject"].startswith("Your certificate for Evil Bcc: victim@example.org xxx")


def test_the_admin_page_says_when_no_mail_server_is_set(app, client, login_as):
    app.config["MAIL_URL"] = ""
    login_as("admin")
    page = client.get("/admin/email").get_data(as_text=True)
    assert "No mail server is set" in page


def test_a_permanent_refusal_fails_at_once(app, smtp):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "550 5.1.1 no such mailbox"

    smtp.down()
    from aiosmtpd.controller import Controller

    controller = Controller(Refusing(), hostname="127.0.0.1", port=smtp.port)
    controller.start()
    try:
        queue(app, 1)
        delivery = drain(server(smtp))
    finally:
        controller.stop()
    assert delivery.failed == 1
    row = db.session.scalar(db.select(OutboxMessage))
    assert row.failed_at is not None and "550" in row.last_error


def worker_environment(app) -> dict:
    environment = dict(os.environ)
    environment.update(
        LEARNAPP_DATABASE_URL=app.config["DATABASE_URL"],
        LEARNAPP_SECRET_KEY=app.config["SECRET_KEY"],
        LEARNAPP_COURSES_DIR=app.config["COURSES_DIR"],
        LEARNAPP_QUIZZES_DIR=app.config["QUIZZES_DIR"],
        LEARNAPP_BASE_URL=app.config["BASE_URL"],
        LEARNAPP_MAIL_FROM=app.config["MAIL_FROM"],
    )
    return environment


@pytest.mark.slow
def test_a_sender_killed_between_claim_and_send_loses_and_doubles_nothing(app, smtp, tmp_path):
    ids = queue(app, 4)
    # A server that accepts the connection but never greets: the sender hangs after its claim.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    environment = worker_environment(app)
    environment["LEARNAPP_MAIL_URL"] = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
    worker = subprocess.Popen(
        [LEARNAPP, "worker", "--once"],
        env=environment,
        cwd=REPOSITORY,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.rollback()
            claimed = db.session.scalar(
                db.select(db.func.count(OutboxMessage.id)).where(
                    OutboxMessage.claimed_by.is_not(None)
                )
            )
            if claimed == 4:
                break
            time.sleep(0.1)
        assert claimed == 4
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        silent.close()

    db.session.rollback()
    assert claim("another") == []  # still claimed by the dead sender
    assert smtp.messages == []
    db.session.execute(  # the claim expires
        update(OutboxMessage).values(claimed_until=now_utc() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    environment["LEARNAPP_MAIL_URL"] = smtp.url
    done = subprocess.run(
        [LEARNAPP, "worker", "--once"],
        env=environment,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(smtp.messages) == len(set(smtp.ids())) == len(ids)
    db.session.rollback()
    assert all(r.sent_at for r in db.session.scalars(db.select(OutboxMessage)))


def test_the_outbox_keeps_no_readable_link(client, make_user, smtp, app):
    """A copy of the database alone opens no account: reset and invitation links are
    sealed in the outbox, and the bodies are gone once sent."""
    make_user(email="sealed@example.org")
    client.submit("/forgot-password", {"email": "sealed@example.org"})
    stored = " ".join(
        db.session.execute(text("SELECT text_body, html_body FROM outbox_message")).one()
    )
    assert "/reset/" not in stored and "learn.example.org" not in stored

    assert drain(MailServer.from_url(smtp.url)).sent == 1
    (message,) = smtp.messages
    assert re.search(r"https://learn\.example\.org/reset/\S+", text_part(message))
    bodies = db.session.execute(text("SELECT text_body, html_body FROM outbox_message")).one()
    assert bodies == ("", "")


def test_a_body_sealed_with_another_secret_key_fails_clearly(client, make_user, smtp, app):
    make_user(email="rotated@example.org")
    client.submit("/forgot-password", {"email": "rotated@example.org"})
    app.config["SECRET_KEY"] = "a different secret key"
    delivery = drain(MailServer.from_url(smtp.url))
    assert (delivery.sent, delivery.failed, smtp.messages) == (0, 1, [])
    (row,) = db.session.scalars(db.select(OutboxMessage))
    assert "another SECRET_KEY" in row.last_error
