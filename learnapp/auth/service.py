"""Accounts: registration, passwords, authentication and server-side sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, func

from learnapp import audit
from learnapp.auth.names import clean_name
from learnapp.dbutil import insert_many, insert_or_ignore
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import (
    Certificate,
    CohortMember,
    DueReminder,
    Organisation,
    OrganisationKind,
    PasswordReset,
    Role,
    User,
    UserSession,
    now_utc,
)
from learnapp.roles import RoleChecks
from learnapp.xapi import service as xapi

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    # Made on first use, not at import: one hash costs ~0.1 s of every process's start.
    return _hasher.hash("not a real password, used to even out timing")


class EmailTaken(Exception):
    """Another account already uses this e-mail address (in any letter case)."""


class WeakPassword(ValueError):
    """The password is shorter than the minimum."""


def hash_password(password: str) -> str:
    """Argon2id hash of a password that meets the policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(password)
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True if the password matches; takes as long for an unknown user."""
    try:
        stored = user.password_hash if user else _dummy_hash()
        return _hasher.verify(stored, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def find_by_email(email: str) -> User | None:
    """The account with this e-mail address, in any letter case."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.strip().lower()))


def find_or_create_organisation(name: str, *, pending: bool = False) -> Organisation:
    """The organisation of that name, created (kind "other") when new; InvalidName if so.

    `pending`: a new one typed by a learner, listed for others once an admin approves it.
    """
    name = clean_name(name)
    found = _organisation_named(name)
    if found:
        return found
    # One statement, so colleagues registering with a new organisation at the same moment
    # share one row instead of all but one failing on its unique name.
    insert_or_ignore(
        Organisation,
        name=name,
        kind=OrganisationKind.OTHER,
        created_at=now_utc(),
        pending=pending,
    )
    return _organisation_named(name)


def _organisation_named(name: str) -> Organisation | None:
    # The exact name first: SQLite's lower() leaves non-ASCII capitals (Ø, É) as they are.
    exact = Organisation.name == name
    return db.session.scalar(
        db.select(Organisation)
        .where(exact | (func.lower(Organisation.name) == name.lower()))
        .order_by(exact.desc(), Organisation.id)
        .limit(1)
    )


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: str = Role.LEARNER,
    organisation: Organisation | None = None,
    language: str = "en",
) -> User:
    """Add a new account; raises EmailTaken, WeakPassword or InvalidName."""
    email = email.strip()
    if find_by_email(email):
        raise EmailTaken(email)
    user = User(
        email=email,
        name=clean_name(name),
        password_hash=hash_password(password),
        role=Role(role),
        organisation=organisation,
        language=language,
    )
    db.session.add(user)
    db.session.flush()  # a concurrent twin fails here on the unique e-mail index
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching both e-mail and password, else None."""
    user = find_by_email(email)
    if verify_password(user, password) and user.is_active:
        return user
    return None


def start_session(user: User) -> str:
    """Open a server-side session and return its key (stored in the signed cookie)."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key=key, user_id=user.id))
    user.session_key = key
    return key


# Every logged-in request's first read, built once (building a statement costs as much as
# running it): the user of a live session, by the session table's primary key.
_LIVE_SESSION_USER = (
    db.select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.key == bindparam("key"), UserSession.revoked_at.is_(None))
)


@dataclass(frozen=True)
class SessionUser(RoleChecks):
    """Who is logged in, and no more: Flask-Login's user on the pages that need nothing
    else of the account (learnapp.auth.views.WHO_ONLY_PAGES), read as one row per request
    without the ORM's instance bookkeeping. The session is checked as for the User model."""

    id: int
    role: str
    language: str
    session_key: str

    is_active = True  # only the live session of an active account is loaded
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_key


_USERS, _SESSIONS = User.__table__, UserSession.__table__
_LIVE_SESSION_WHO = (
    db.select(_USERS.c.id, _USERS.c.role, _USERS.c.language)
    .join_from(_USERS, _SESSIONS, _SESSIONS.c.user_id == _USERS.c.id)
    .where(
        _SESSIONS.c.key == bindparam("key"),
        _SESSIONS.c.revoked_at.is_(None),
        _USERS.c.active.is_(True),
        _USERS.c.deleted_at.is_(None),
    )
)


def session_user(key: str) -> SessionUser | None:
    """Who holds a live session, as load_session() would find them, or None."""
    row = db.session.execute(_LIVE_SESSION_WHO, {"key": key}).first()
    return SessionUser(*row, session_key=key) if row else None


def load_session(key: str) -> User | None:
    """The user of a live session, or None when it was ended or the user is inactive."""
    user = db.session.scalar(_LIVE_SESSION_USER, {"key": key})
    if user is None or not user.is_active:
        return None
    user.session_key = key
    return user


def end_session(key: str | None) -> None:
    """Revoke one session (logout)."""
    found = db.session.get(UserSession, key) if key else None
    if found and found.revoked_at is None:
        found.revoked_at = now_utc()


def end_all_sessions(user: User) -> None:
    """Revoke every session of a user (password change, deactivation, deletion)."""
    db.session.execute(
        db.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


# One-time password-reset links (made by an admin, passed on to the user) ------------

RESET_SALT = "password-reset"
RESET_HOURS = 72


class InvalidResetLink(Exception):
    """The reset link is forged, expired, already used, replaced or for an inactive user."""


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_reset_token(user: User, created_by: User | None, hours: int = RESET_HOURS) -> str:
    """A signed, expiring, single-use token; earlier unused links of the user stop working."""
    now = now_utc()
    db.session.execute(
        db.update(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )
    secret = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user_id=user.id,
        created_by_id=created_by.id if created_by else None,
        secret_hash=_digest(secret),
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    db.session.add(reset)
    db.session.flush()
    return _reset_serializer().dumps([reset.id, secret])


def reset_for_token(token: str, hours: int = RESET_HOURS) -> PasswordReset:
    """The live PasswordReset a token stands for; raises InvalidResetLink otherwise."""
    try:
        reset_id, secret = _reset_serializer().loads(token, max_age=hours * 3600)
    except (BadSignature, TypeError, ValueError) as error:
        raise InvalidResetLink() from error
    reset = db.session.get(PasswordReset, reset_id) if isinstance(reset_id, int) else None
    if (
        reset is None
        or not isinstance(secret, str)
        or not hmac.compare_digest(reset.secret_hash, _digest(secret))
        or reset.used_at is not None
        or reset.cancelled_at is not None
        or reset.expires_at <= now_utc()
        or not reset.user.is_active
    ):
        raise InvalidResetLink()
    return reset


def reset_password(token: str, password: str, hours: int = RESET_HOURS) -> User:
    """Set a new password with a reset link, once; every session of the user ends."""
    reset = reset_for_token(token, hours)
    password_hash = hash_password(password)
    # A conditional UPDATE, so two racing submissions cannot both use the link.
    claimed = db.session.execute(
        db.update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.cancelled_at.is_(None),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvalidResetLink()
    user = reset.user
    user.password_hash = password_hash
    end_all_sessions(user)
    audit.record(user, "user.password_reset", f"user:{user.id}", "", email=user.email)
    return user


# By e-mail: "forgot your password?" and invitations ------------------------------------

FORGOT_HOURS = 1
INVITE_DAYS = 14
NO_PASSWORD = "!invited"  # no Argon2 hash matches it: nobody logs in before choosing one
Link = Callable[[str], str]  # a token → the absolute URL of the page that takes it


def send_reset_link(email: str, link: Link) -> None:
    """E-mail a one-hour, single-use reset link if an active account has this address.

    Says nothing either way: the page answers the same for every address.
    """
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = create_reset_token(user, None, hours=FORGOT_HOURS)
    mail.password_reset(user, link(token), FORGOT_HOURS)
    audit.record(None, "user.reset_requested", f"user:{user.id}", email=user.email)


def invite(
    *,
    email: str,
    name: str,
    organisation: Organisation | None,
    language: str,
    actor: User,
) -> tuple[User, str]:
    """An account without a password, and the token of its welcome link (INVITE_DAYS)."""
    email = email.strip()
    if find_by_email(email):
        raise EmailTaken(email)
    user = User(
        email=email,
        name=clean_name(name),
        password_hash=NO_PASSWORD,
        role=Role.LEARNER,
        organisation=organisation,
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    return user, create_reset_token(user, actor, hours=INVITE_DAYS * 24)


def invite_many(people: list[dict], actor: User) -> dict[str, tuple[int, str]]:
    """Accounts without a password, set-based (a bulk import), for each person whose
    address no account has yet; lower-case e-mail → (id, welcome-link token) of each
    account created. `people`: email, name (already clean), organisation_id, language.

    An address taken meanwhile (a twin import, a registration) is skipped, not an error.
    """
    now = now_utc()
    rows = [
        {
            "email": person["email"].strip(),
            "name": person["name"],
            "password_hash": NO_PASSWORD,
            "role": Role.LEARNER.value,
            "organisation_id": person["organisation_id"],
            "language": person["language"],
            "active": True,
            "created_at": now,
            "reminders_off": False,
        }
        for person in people
    ]
    created = insert_many(User, rows, returning=(User.id, User.email))
    tokens = welcome_tokens([user_id for user_id, _email in created], actor, INVITE_DAYS * 24)
    return {email.lower(): (user_id, tokens[user_id]) for user_id, email in created}


def welcome_tokens(user_ids: list[int], created_by: User | None, hours: int) -> dict[int, str]:
    """A single-use link token for each account just created (none has an earlier link to
    cancel), set-based; user id → token."""
    now = now_utc()
    secrets_of = {user_id: secrets.token_urlsafe(32) for user_id in user_ids}
    rows = [
        {
            "user_id": user_id,
            "created_by_id": created_by.id if created_by else None,
            "secret_hash": _digest(secret),
            "created_at": now,
            "expires_at": now + dt.timedelta(hours=hours),
        }
        for user_id, secret in secrets_of.items()
    ]
    made = insert_many(PasswordReset, rows, returning=(PasswordReset.id, PasswordReset.user_id))
    serializer = _reset_serializer()
    return {
        user_id: serializer.dumps([reset_id, secrets_of[user_id]]) for reset_id, user_id in made
    }


# Changing the e-mail address: confirmed from the new address ---------------------------

EMAIL_CHANGE_SALT = "email-change"
EMAIL_CHANGE_HOURS = 24


class InvalidEmailChange(Exception):
    """The confirmation link is forged, expired, used, or the address was taken meanwhile."""


def _email_change_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def request_email_change(user: User, password: str, new_email: str, link: Link) -> None:
    """Send a confirmation link to the new address; nothing changes until it is opened."""
    if not verify_password(user, password):
        raise WrongPassword()
    new_email = new_email.strip()
    if find_by_email(new_email):
        raise EmailTaken(new_email)
    token = _email_change_serializer().dumps([user.id, user.email, new_email])
    mail.email_change(user, new_email, link(token), EMAIL_CHANGE_HOURS)


def email_change_of(token: str) -> tuple[User, str]:
    """The account and new address a confirmation link stands for; InvalidEmailChange if none."""
    try:
        user_id, old, new = _email_change_serializer().loads(
            token, max_age=EMAIL_CHANGE_HOURS * 3600
        )
    except (BadSignature, TypeError, ValueError) as error:
        raise InvalidEmailChange() from error
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or user.email != old:  # used, or changed since
        raise InvalidEmailChange()
    return user, new


def confirm_email_change(token: str) -> User:
    """Apply the change of address a link confirms (once: the old address must still match)."""
    user, new = email_change_of(token)
    taken = find_by_email(new)
    if taken is not None and taken.id != user.id:
        raise EmailTaken(new)
    old = user.email
    user.email = new
    db.session.flush()  # a concurrent twin fails here on the unique e-mail index
    audit.record(user, "user.email_change", f"user:{user.id}", old=old, email=new)
    return user


def set_reminders(user: User, on: bool) -> None:
    """Turn reminder e-mails on or off for the account."""
    user.reminders_off = not on


class WrongPassword(Exception):
    """The current password given does not match."""


def change_password(user: User, current: str, new: str) -> str:
    """Set a new password; every other session ends. Returns this browser's new session key."""
    if not verify_password(user, current):
        raise WrongPassword()
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    audit.record(user, "user.password_change", f"user:{user.id}")
    return start_session(user)


def delete_account(user: User, password: str) -> None:
    """Withdraw the account: personal data removed, sessions ended, login impossible.

    Certificates stay verifiable by code and by file hash, shown as issued to a
    withdrawn account, without the name; their stored PDF (which prints the name) goes.
    """
    if not verify_password(user, password):
        raise WrongPassword()
    end_all_sessions(user)
    mail.forget_address(user.email)
    xapi.forget(user)
    user.email = f"withdrawn-{user.id}@invalid"
    user.name = ""
    user.password_hash = "!withdrawn"
    user.organisation = None
    user.active = False
    user.deleted_at = now_utc()
    db.session.execute(
        db.update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(name="", holder_withdrawn=True, pdf=b"")
    )
    # Out of every cohort: no longer counted, listed or reminded.
    db.session.execute(db.delete(CohortMember).where(CohortMember.user_id == user.id))
    db.session.execute(db.delete(DueReminder).where(DueReminder.user_id == user.id))
    audit.record(user, "user.withdrawn", f"user:{user.id}")
