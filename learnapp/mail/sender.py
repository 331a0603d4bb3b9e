"""Delivering the outbox over SMTP: claim due rows atomically, send, mark, retry with backoff.

This is the worker's edge (`learnapp worker`): it commits. Claiming, marking and the
backoff are the shared outbox's (learnapp/outbox.py); this module knows SMTP.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from learnapp import outbox
from learnapp.extensions import db
from learnapp.mail.message import build
from learnapp.models import OutboxMessage
from learnapp.outbox import Delivery

SMTP_TIMEOUT = 30


class InvalidMailURL(ValueError):
    """LEARNAPP_MAIL_URL cannot be used; the message says why."""


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        """smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise InvalidMailURL("LEARNAPP_MAIL_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise InvalidMailURL("LEARNAPP_MAIL_URL names no host")
        try:
            port = parts.port
        except ValueError as error:
            raise InvalidMailURL("LEARNAPP_MAIL_URL has an invalid port") from error
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(options) - {"starttls"}
        if unknown:
            raise InvalidMailURL(f"LEARNAPP_MAIL_URL: unknown option {sorted(unknown)[0]}")
        ssl = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=port or (465 if ssl else 25),
            ssl=ssl,
            starttls=options.get("starttls", "0").lower() in ("1", "true", "yes"),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )

    def describe(self) -> str:
        """Where mail goes, without the password."""
        security = "TLS" if self.ssl else "STARTTLS" if self.starttls else "plain SMTP"
        login = f" as {self.username}" if self.username else ""
        return f"{self.host}:{self.port} ({security}){login}"

    def connect(self) -> smtplib.SMTP:
        """An open, logged-in SMTP connection."""
        if self.ssl:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        try:
            if self.starttls:
                connection.starttls()
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection


def configured_server() -> MailServer | None:
    """The server of LEARNAPP_MAIL_URL, or None when unset (nothing is sent)."""
    url = current_app.config.get("MAIL_URL")
    return MailServer.from_url(url) if url else None


def claim(worker: str, limit: int = outbox.BATCH) -> list[int]:
    """Claim up to `limit` due messages for this worker, committed; their ids."""
    return outbox.claim(OutboxMessage, worker, limit)


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    message: EmailMessage | None  # None: it could not be built (the error is kept)
    error: Exception | None = None


def _failed(worker: str, row: _Claimed, error: BaseException, delivery: Delivery) -> None:
    """A later attempt, or failed for good after the last one or a permanent (5xx) refusal."""
    permanent = isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        permanent = all(500 <= code < 600 for code, _ in error.recipients.values())
    permanent = permanent or isinstance(error, ValueError)  # a message that cannot be built
    outbox.mark_failed(
        OutboxMessage, worker, row.id, row.attempts + 1, error, delivery, permanent=permanent
    )


def _build(row: OutboxMessage, mail_from: str, secret_key: str) -> _Claimed:
    try:
        return _Claimed(row.id, row.attempts, build(row, mail_from, secret_key))
    except ValueError as error:  # e.g. an address the e-mail package refuses
        return _Claimed(row.id, row.attempts, None, error)


def deliver(server: MailServer, worker: str, ids: list[int], delivery: Delivery) -> None:
    """Send the claimed messages over one connection; each is marked as soon as it is done."""
    mail_from, secret_key = current_app.config["MAIL_FROM"], current_app.config["SECRET_KEY"]
    rows = [
        _build(row, mail_from, secret_key)
        for row in db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        )
    ]
    try:
        connection = server.connect()
    except (OSError, smtplib.SMTPException) as error:
        for row in rows:
            _failed(worker, row, row.error or error, delivery)
        return
    try:
        for index, row in enumerate(rows):
            try:
                if row.error:
                    raise row.error
                connection.send_message(row.message)
            except smtplib.SMTPServerDisconnected as error:
                for rest in rows[index:]:
                    _failed(worker, rest, error, delivery)
                return
            except (OSError, smtplib.SMTPException, ValueError) as error:
                _failed(worker, row, error, delivery)
                continue
            outbox.mark_sent(OutboxMessage, worker, [row.id], row.attempts + 1, delivery,
                             text_body="", html_body="")  # fmt: skip
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def drain(server: MailServer, worker: str | None = None, batch: int = outbox.BATCH) -> Delivery:
    """Deliver every message that is due now, batch after batch."""
    worker = worker or outbox.worker_name()
    delivery = Delivery()
    while ids := claim(worker, batch):
        deliver(server, worker, ids, delivery)
    return delivery
