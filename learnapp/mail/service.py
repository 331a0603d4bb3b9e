"""E-mail to send: each message is an outbox row added in the transaction of its cause.

A rolled-back change therefore sends nothing, and a committed one loses nothing: the
worker (`learnapp worker`, learnapp/mail/sender.py) delivers the rows. Bodies are
rendered now, in the recipient's language, from templates/mail/messages/, and kept
sealed (learnapp/mail/message.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import LazyString, force_locale, format_date
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape

from learnapp import outbox
from learnapp.dbutil import insert_many
from learnapp.extensions import db
from learnapp.mail.message import seal, sealer
from learnapp.models import OutboxMessage, User, now_utc

REMINDERS_OFF_SALT = "reminders-off"


def configured() -> bool:
    """True when LEARNAPP_MAIL_URL is set, so messages actually leave."""
    return bool(current_app.config.get("MAIL_URL"))


def absolute(path: str) -> str:
    """A link for an e-mail: the public base URL and a path from url_for."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def _language(language: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    return language if language in languages else languages[0]


def enqueue(
    *,
    to_address: str,
    to_name: str,
    language: str | None,
    kind: str,
    subject,
    headers: dict | None = None,
    **context,
) -> OutboxMessage:
    """Render the message `kind` in the language and add it to the outbox (flushed)."""
    language = _language(language)
    with force_locale(language):
        subject = " ".join(str(subject).split())[:300]  # one line: a header, never two
        context.update(subject=subject, language=language, name=to_name)
        text_body = _render(f"mail/messages/{kind}.txt", context)
        html_body = _render(f"mail/messages/{kind}.html", context)
    row = OutboxMessage(
        to_address=to_address,
        to_name=to_name,
        language=language,
        kind=kind,
        subject=subject,
        text_body=seal(text_body, current_app.config["SECRET_KEY"]),
        html_body=seal(html_body, current_app.config["SECRET_KEY"]),
        headers=headers or {},
        created_at=now_utc(),
        due_at=now_utc(),
        attempts=0,
        last_error="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def _render(name: str, context: dict) -> str:
    # The bare environment: no page context processors, so no request is needed (the worker).
    return current_app.jinja_env.get_template(name).render(**context)


def _to(user: User) -> dict:
    return {"to_address": user.email, "to_name": user.name, "language": user.language}


def password_reset(user: User, url: str, hours: int) -> OutboxMessage:
    """The link of a "forgot your password" request."""
    return enqueue(
        **_to(user),
        kind="password_reset",
        subject=_l("Reset your LearnApp password"),
        url=url,
        hours=hours,
    )


def invitation(user: User, url: str, course_title: str, days: int) -> OutboxMessage:
    """An invitation: set a password, then land in the course."""
    return enqueue(
        **_to(user),
        kind="invitation",
        subject=_l("You are invited to LearnApp: %(course)s", course=course_title),
        url=url,
        course_title=course_title,
        days=days,
    )


@dataclass(frozen=True)
class Invitation:
    """One invitation of a bulk import; `course_title` may be empty (no course yet)."""

    to_address: str
    to_name: str
    language: str
    url: str
    course_title: str


# Stand-ins rendered in place of a recipient's name and link, replaced afterwards: a bulk
# import renders each (language, course) once, not each of 10,000 messages twice.
_NAME, _URL = "LEARNAPPNAMESLOT9d41c7", "LEARNAPPURLSLOT9d41c7"


def invitations(items: Iterable[Invitation], days: int) -> int:
    """Many invitations at once (a bulk import): rendered once per language and course,
    personalised, sealed, and added to the outbox set-based; how many."""
    seal_body = sealer(current_app.config["SECRET_KEY"])
    now = now_utc()
    rows = []
    skeletons: dict[tuple[str, str], tuple[str, str, str]] = {}
    for item in items:
        language = _language(item.language)
        key = (language, item.course_title)
        if key not in skeletons:
            skeletons[key] = _invitation_skeleton(language, item.course_title, days)
        subject, text_body, html_body = skeletons[key]
        text_body = text_body.replace(_URL, item.url).replace(_NAME, item.to_name)
        html_body = html_body.replace(_URL, str(escape(item.url)))
        html_body = html_body.replace(_NAME, str(escape(item.to_name)))
        rows.append(
            {
                "to_address": item.to_address,
                "to_name": item.to_name,
                "language": language,
                "kind": "invitation",
                "subject": subject,
                "text_body": seal_body(text_body),
                "html_body": seal_body(html_body),
                "headers": {},
                "created_at": now,
                "due_at": now,
                "attempts": 0,
                "last_error": "",
            }
        )
    insert_many(OutboxMessage, rows)
    return len(rows)


def _invitation_skeleton(language: str, course_title: str, days: int) -> tuple[str, str, str]:
    """Subject, text and HTML of an invitation, with stand-ins for the name and the link."""
    with force_locale(language):
        if course_title:
            subject = _l("You are invited to LearnApp: %(course)s", course=course_title)
        else:
            subject = _l("You are invited to LearnApp")
        subject = " ".join(str(subject).split())[:300]
        context = {
            "subject": subject,
            "language": language,
            "name": _NAME,
            "url": _URL,
            "course_title": course_title,
            "days": days,
        }
        return (
            subject,
            _render("mail/messages/invitation.txt", context),
            _render("mail/messages/invitation.html", context),
        )


def certificate_issued(user: User, course_title: str, verify_url: str) -> OutboxMessage:
    """The certificate is issued: where anyone can verify it; the PDF stays on the site."""
    return enqueue(
        **_to(user),
        kind="certificate_issued",
        subject=_l("Your certificate for %(course)s", course=course_title),
        course_title=course_title,
        verify_url=verify_url,
        certificates_url=absolute("/me"),
    )


def email_change(user: User, new_address: str, url: str, hours: int) -> OutboxMessage:
    """Sent to the new address: the change happens only when its link is opened."""
    return enqueue(
        to_address=new_address,
        to_name=user.name,
        language=user.language,
        kind="email_change",
        subject=_l("Confirm your new e-mail address for LearnApp"),
        url=url,
        new_address=new_address,
        hours=hours,
    )


def reminder(user: User, course_title: str, continue_url: str, off_url: str) -> OutboxMessage:
    """A gentle reminder, with the one-click way to turn reminders off (RFC 8058)."""
    return enqueue(
        **_to(user),
        kind="reminder",
        subject=_l("Continue your course: %(course)s", course=course_title),
        headers={
            "List-Unsubscribe": f"<{off_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        course_title=course_title,
        continue_url=continue_url,
        off_url=off_url,
    )


def _day(day: dt.date) -> LazyString:
    """A date for a subject line, written in the locale the message is rendered in."""
    return LazyString(lambda: format_date(day, "medium"))


def _unsubscribe(off_url: str) -> dict:
    return {
        "List-Unsubscribe": f"<{off_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def due_soon(
    user: User, course_title: str, due_on: dt.date, continue_url: str, off_url: str
) -> OutboxMessage:
    """A week before a cohort's due date, to a member who has not completed the course."""
    return enqueue(
        **_to(user),
        kind="due_soon",
        subject=_l("Due on %(date)s: %(course)s", date=_day(due_on), course=course_title),
        headers=_unsubscribe(off_url),
        course_title=course_title,
        due_on=due_on,
        continue_url=continue_url,
        off_url=off_url,
    )


def overdue(
    user: User, course_title: str, due_on: dt.date, continue_url: str, off_url: str
) -> OutboxMessage:
    """The day after a cohort's due date, to a member who has not completed the course."""
    return enqueue(
        **_to(user),
        kind="overdue",
        subject=_l("Overdue: %(course)s", course=course_title),
        headers=_unsubscribe(off_url),
        course_title=course_title,
        due_on=due_on,
        continue_url=continue_url,
        off_url=off_url,
    )


def overdue_digest(
    manager: User, cohort_name: str, late: list, dashboard_url: str, off_url: str
) -> OutboxMessage:
    """The weekly list, for a partner manager, of a cohort's members who are overdue
    (`late`: rows with name, email, course_title and due_on)."""
    return enqueue(
        **_to(manager),
        kind="overdue_digest",
        subject=_l(
            "Overdue in the cohort “%(cohort)s”: %(num)d", cohort=cohort_name, num=len(late)
        ),
        headers=_unsubscribe(off_url),
        cohort_name=cohort_name,
        late=late,
        dashboard_url=dashboard_url,
        off_url=off_url,
    )


# Turning reminders off with a link (no login: the link is signed for one account) ------


def _reminders_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=REMINDERS_OFF_SALT)


def reminders_off_token(user: User) -> str:
    return _reminders_serializer().dumps(user.id)


def user_of_reminders_token(token: str) -> User | None:
    """The active account a reminders-off link was made for, or None."""
    try:
        user_id = _reminders_serializer().loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.is_active else None


# The admin's view of the outbox -------------------------------------------------------


def counts() -> dict[str, int]:
    """How many messages are queued, sent and failed."""
    return outbox.counts(OutboxMessage)


def latest(status: str | None, limit: int = 100) -> list[OutboxMessage]:
    """The latest messages, newest first (their bodies are never shown)."""
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status == "sent":
        query = query.where(OutboxMessage.sent_at.is_not(None))
    elif status == "failed":
        query = query.where(OutboxMessage.failed_at.is_not(None))
    elif status == "queued":
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    return list(db.session.scalars(query))


def retry_failed(message_id: int | None = None) -> int:
    """Queue failed messages (one, or all) again with fresh attempts; how many."""
    return outbox.retry_failed(OutboxMessage, message_id)


def forget_address(address: str) -> None:
    """Delete every message to an address (a withdrawn account keeps no trace in the outbox)."""
    db.session.execute(
        db.delete(OutboxMessage).where(db.func.lower(OutboxMessage.to_address) == address.lower())
    )


def purge_sent(days: int = 90) -> int:
    """Forget messages sent more than `days` ago (their bodies hold links)."""
    return outbox.purge_sent(OutboxMessage, days)
