"""An outbox row as an `email.message.EmailMessage`: plain text and HTML, UTF-8 headers.

The bodies hold live links (a password reset, a 14-day invitation), so the outbox keeps
them sealed with a key derived from the app's secret key: a copy of the database alone
opens no account. They are blanked once the message is sent."""

from __future__ import annotations

import base64
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from learnapp.models import OutboxMessage, now_utc


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"learnapp outbox bodies").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(body: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(body.encode()).decode("ascii")


def sealer(secret_key: str):
    """seal() with the key derived once: for sealing many bodies (a bulk import)."""
    fernet = _fernet(secret_key)
    return lambda body: fernet.encrypt(body.encode()).decode("ascii")


def unseal(sealed: str, secret_key: str) -> str:
    """The body; ValueError if it was sealed with another secret key (a permanent failure)."""
    try:
        return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise ValueError("sealed with another SECRET_KEY: it cannot be read") from error


def sender_address(mail_from: str) -> Address:
    """`Name <address>` or a bare address, as a header value with an encoded name."""
    name, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"LEARNAPP_MAIL_FROM is not an e-mail address: {mail_from!r}")
    return Address(display_name=name, addr_spec=address)


def build(row: OutboxMessage, mail_from: str, secret_key: str) -> EmailMessage:
    """The message to send; the same Message-ID on every attempt, so retries can be told apart."""
    sender = sender_address(mail_from)
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = Address(display_name=row.to_name, addr_spec=row.to_address)
    message["Date"] = format_datetime(now_utc())
    created = int(row.created_at.timestamp())
    message["Message-ID"] = f"<learnapp.{row.id}.{created}@{sender.domain}>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(unseal(row.text_body, secret_key))
    message.add_alternative(unseal(row.html_body, secret_key), subtype="html")
    return message
