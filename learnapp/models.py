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
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from learnapp.extensions import db
from learnapp.roles import Role, RoleChecks


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
    # Typed by a learner at registration: listed for others only once an admin approves it.
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


organisation_manager = db.Table(
    "organisation_manager",
    db.Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    ),
)


class User(RoleChecks, db.Model):
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
    # Turned off from a reminder's signed link or the account page (learnapp/mail).
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    # A manager's organisations (ignored for any other role).
    managed_organisations: Mapped[list[Organisation]] = relationship(
        secondary=organisation_manager, order_by=Organisation.name
    )

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
    # Set when issuing the certificate failed after the completion was saved (the
    # completion is kept; `learnapp certificates issue-pending` retries); cleared on success.
    certificate_error: Mapped[str | None] = mapped_column(Text)
    certificate_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last reminder e-mail about this course (learnapp/mail/reminders.py).
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)


class Cohort(db.Model):
    """A named group of learners with courses to finish, each by an optional date:
    "Ministry of Education, spring 2027: course 01 by 31 March"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The partner organisation whose managers run it; None for one an admin runs alone.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    courses: Mapped[list[CohortCourse]] = relationship(
        cascade="all, delete-orphan", order_by="CohortCourse.course_slug"
    )


class CohortCourse(db.Model):
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    course_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    due_on: Mapped[dt.date | None] = mapped_column(db.Date)


class CohortMember(db.Model):
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    user: Mapped[User] = relationship()


class DueReminder(db.Model):
    """A due-date e-mail that was sent (learnapp/cohorts/reminders.py): the unique key lets
    each go out once, however many workers run. `period` is the due date for a learner's
    reminders and the ISO week (2027-W13) for a manager's digest (course_slug empty)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # due_soon, overdue, overdue_digest
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (UniqueConstraint("kind", "cohort_id", "course_slug", "user_id", "period"),)


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
    # The language the certificate is worded in (and its course title printed in).
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    course_version: Mapped[str] = mapped_column(String(64))
    completed_on: Mapped[dt.date] = mapped_column(db.Date)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_on: Mapped[dt.date | None] = mapped_column(db.Date)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The signed Open Badges 3.0 credential (JSON text), stored at issue time, never changed.
    credential: Mapped[str | None] = mapped_column(Text, deferred=True)
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


class RateLimitHit(db.Model):
    """One counted request of a rate limit (learnapp/ratelimit.py): shared by all workers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    cost: Mapped[int] = mapped_column(Integer, default=1)
    hit_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_rate_limit_hit_key", "key", "hit_at"),)


class OutboxColumns:
    """The delivery bookkeeping every outbox table shares (learnapp/outbox.py).

    A worker claims due rows (`claimed_until`), delivers them and marks them sent; a
    failure moves `due_at` later, and after the last attempt marks the row failed.
    """

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(OutboxColumns, db.Model):
    """An e-mail to send, written in the transaction of the change that causes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(10), default="en")
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_outbox_due", "sent_at", "failed_at", "due_at"),)


class XapiActor(db.Model):
    """A learner's pseudonym in the Learning Record Store: random, kept for good, never
    derived from the e-mail or the name (learnapp/xapi)."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(36), unique=True)


class XapiStatement(OutboxColumns, db.Model):
    """An xAPI statement to send to the LRS, written in the transaction of its cause.

    `statement_id` is the statement's own id: the same event always gets the same id, so
    a racing duplicate is never inserted and a resend changes nothing in the LRS.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    verb: Mapped[str] = mapped_column(String(20))
    statement: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (Index("ix_xapi_statement_due", "sent_at", "failed_at", "due_at"),)


# Indexes the administration queries need (issue 7): progress and best scores per
# (learner, course, quiz) read from the index alone; a learner's certificates and
# audit history found without a scan; the learner list's first page in its default
# order (by name) without sorting every account (issue 18: 35 ms -> under 1 ms at 100,000).
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
Index("ix_user_name_lower", func.lower(User.name), User.id)
