"""Accounts: registration, passwords, authentication and server-side sessions."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Organisation, OrganisationKind, Role, User, UserSession, now_utc

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
    found = db.session.scalar(
        db.select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    if found:
        return found
    organisation = Organisation(name=name, kind=OrganisationKind.OTHER)
    db.session.add(organisation)
    db.session.flush()
    return organisation


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
