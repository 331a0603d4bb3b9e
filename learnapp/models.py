"""Every table. Content (courses, lessons, quizzes) is referred to by slug strings."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from learnapp.extensions import db


def now_utc() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"


class OrganisationKind(enum.StrEnum):
    MINISTRY = "ministry"
    NGO = "ngo"
    UNIVERSITY = "university"
    OTHER = "other"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=OrganisationKind.OTHER)
    country: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(10), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    __table_args__ = (Index("uq_user_email_lower", func.lower(email), unique=True),)

    # Flask-Login: the id stored in the cookie is the server-side session's key,
    # so ending a session (logout, deactivation) refuses a replayed cookie.
    session_key = None

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_key

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Trainers and admins: may preview drafts and see content status."""
        return self.role in (Role.TRAINER, Role.ADMIN)


class UserSession(db.Model):
    """A login. The cookie holds only its random key; revoking it ends the session."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    actor: Mapped[User | None] = relationship(lazy="joined")


class Enrolment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100), index=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    last_lesson_slug: Mapped[str | None] = mapped_column(String(100))
    last_visited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_version: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)


class LessonCompletion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100))
    lesson_slug: Mapped[str] = mapped_column(String(100))
    course_version: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (UniqueConstraint("user_id", "course_slug", "lesson_slug"),)


class QuizAttempt(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100))
    quiz_slug: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    course_version: Mapped[str] = mapped_column(String(64))
    layout: Mapped[list] = mapped_column(JSON)  # [[question_key, [option_key, ...]], ...]
    answers: Mapped[dict] = mapped_column(JSON)  # question_key -> chosen keys or text
    results: Mapped[dict] = mapped_column(JSON)  # question_key -> right or wrong
    points: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "quiz_slug", "number"),
        Index("ix_attempt_quiz", "course_slug", "quiz_slug"),
    )


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    course_slug: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(300))
    course_version: Mapped[str] = mapped_column(String(64))
    completed_on: Mapped[dt.date] = mapped_column(db.Date)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_on: Mapped[dt.date | None] = mapped_column(db.Date)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    holder_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        # One live certificate per learner and course; re-issue revokes the old one first.
        Index(
            "uq_certificate_live",
            "user_id",
            "course_slug",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )


class PasswordReset(db.Model):
    """A one-time password-reset link made by an admin; only a hash of its secret is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


# Indexes the administration queries need (issue 7): progress and best scores per
# (learner, course, quiz) read from the index alone; a learner's certificates and
# audit history found without a scan.
Index(
    "ix_attempt_user_best",
    QuizAttempt.user_id,
    QuizAttempt.course_slug,
    QuizAttempt.quiz_slug,
    QuizAttempt.passed,
    QuizAttempt.percent,
)
Index("ix_certificate_user_id", Certificate.user_id)
Index("ix_audit_event_target", AuditEvent.target)
