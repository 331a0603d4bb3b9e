"""Accounts: registration, passwords, authentication and server-side sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func

from learnapp import audit
from learnapp.dbutil import insert_or_ignore
from learnapp.extensions import db
from learnapp.models import (
    Certificate,
    Organisation,
    OrganisationKind,
    PasswordReset,
    Role,
    User,
    UserSession,
    now_utc,
)

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")


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
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def find_by_email(email: str) -> User | None:
    """The account with this e-mail address, in any letter case."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.strip().lower()))


def find_or_create_organisation(name: str) -> Organisation:
    """The organisation of that name, created (kind "other") when new."""
    name = " ".join(name.split())
    found = _organisation_named(name)
    if found:
        return found
    # One statement, so colleagues registering with a new organisation at the same moment
    # share one row instead of all but one failing on its unique name.
    insert_or_ignore(Organisation, name=name, kind=OrganisationKind.OTHER, created_at=now_utc())
    return _organisation_named(name)


def _organisation_named(name: str) -> Organisation | None:
    return db.session.scalar(
        db.select(Organisation)
        .where(func.lower(Organisation.name) == name.lower())
        .order_by(Organisation.id)
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
    """Add a new account; raises EmailTaken or WeakPassword."""
    email = email.strip()
    if find_by_email(email):
        raise EmailTaken(email)
    user = User(
        email=email,
        name=" ".join(name.split()),
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


def load_session(key: str) -> User | None:
    """The user of a live session, or None when it was ended or the user is inactive."""
    found = db.session.get(UserSession, key)
    if found is None or found.revoked_at is not None or not found.user.is_active:
        return None
    found.user.session_key = key
    return found.user


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


def reset_password(token: str, password: str) -> User:
    """Set a new password with a reset link, once; every session of the user ends."""
    reset = reset_for_token(token)
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
    audit.record(user, "user.withdrawn", f"user:{user.id}")
