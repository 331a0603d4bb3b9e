"""Administrators' actions on accounts, organisations and certificates; each one audited.

Services add and flush; the view commits once. Every change records who, what and why
with `audit.record`, so the audit log page can show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func

from learnapp import audit
from learnapp.admin.reports import EnrolmentRow, Filters, enrolment_rows
from learnapp.auth import service as accounts
from learnapp.auth.names import clean_name, clean_text
from learnapp.certificates import service as certificates
from learnapp.content.model import Course, Lesson, Question, Quiz
from learnapp.dbutil import paging
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import (
    AuditEvent,
    Certificate,
    Enrolment,
    LessonCompletion,
    Organisation,
    QuizAttempt,
    Role,
    User,
    UserSession,
    now_utc,
)
from learnapp.progress import service as progress


class SelfLockout(Exception):
    """An administrator may not demote or deactivate their own account."""


class NotActive(Exception):
    """The account is deactivated; it cannot receive a password-reset link."""


class OrganisationNameTaken(Exception):
    """Another organisation already has this name (in any letter case)."""


class CourseUnavailable(Exception):
    """The certificate's course is no longer in the catalogue, so it cannot be re-issued."""


def user_target(user: User) -> str:
    """How audit events name an account."""
    return f"user:{user.id}"


def organisation_target(organisation: Organisation) -> str:
    """How audit events name an organisation."""
    return f"organisation:{organisation.id}"


# Accounts -----------------------------------------------------------------------------


def change_account(
    user: User,
    actor: User,
    *,
    role: str,
    organisation: Organisation | None,
    reason: str,
    manages: list[Organisation] = (),
) -> list[str]:
    """Change role, organisation and, for a partner manager, the organisations managed;
    returns the audit actions recorded (none if unchanged)."""
    done = []
    if role != user.role:
        if user.id == actor.id:
            raise SelfLockout(user.email)
        audit.record(
            actor, "user.role", user_target(user), reason, email=user.email,
            before=str(user.role), after=str(Role(role)),
        )  # fmt: skip
        user.role = Role(role)
        done.append("user.role")
    if (organisation.id if organisation else None) != user.organisation_id:
        audit.record(
            actor, "user.organisation", user_target(user), reason, email=user.email,
            before=user.organisation.name if user.organisation else None,
            after=organisation.name if organisation else None,
        )  # fmt: skip
        user.organisation = organisation
        done.append("user.organisation")
    managed = sorted(manages, key=lambda o: o.name) if user.role == Role.MANAGER else []
    if {o.id for o in managed} != {o.id for o in user.managed_organisations}:
        audit.record(
            actor, "user.manages", user_target(user), reason, email=user.email,
            before=", ".join(o.name for o in user.managed_organisations) or None,
            after=", ".join(o.name for o in managed) or None,
        )  # fmt: skip
        user.managed_organisations = managed
        done.append("user.manages")
    db.session.flush()
    return done


def deactivate(user: User, actor: User, reason: str) -> None:
    """Deactivate the account and end every one of its sessions at once."""
    if user.id == actor.id:
        raise SelfLockout(user.email)
    if user.active:
        user.active = False
        accounts.end_all_sessions(user)
        audit.record(actor, "user.deactivate", user_target(user), reason, email=user.email)
        db.session.flush()


def reactivate(user: User, actor: User, reason: str) -> None:
    """Let a deactivated account log in again."""
    if not user.active:
        user.active = True
        audit.record(actor, "user.reactivate", user_target(user), reason, email=user.email)
        db.session.flush()


@dataclass(frozen=True)
class ResetLink:
    token: str
    expires_at: dt.datetime


def create_reset_link(user: User, actor: User, reason: str) -> ResetLink:
    """A one-time password-reset token for the admin to pass on; older links stop working."""
    if not user.is_active:
        raise NotActive(user.email)
    token = accounts.create_reset_token(user, actor)
    expires_at = now_utc() + dt.timedelta(hours=accounts.RESET_HOURS)
    audit.record(
        actor, "user.reset_link", user_target(user), reason, email=user.email,
        expires_at=expires_at.isoformat(timespec="minutes"),
    )  # fmt: skip
    return ResetLink(token, expires_at)


def invite(
    *,
    email: str,
    name: str,
    organisation: Organisation | None,
    course: Course,
    language: str,
    actor: User,
    link: accounts.Link,
) -> User:
    """An account without a password, enrolled in the course, and its invitation e-mail;
    EmailTaken or InvalidName if so."""
    user, token = accounts.invite(
        email=email, name=name, organisation=organisation, language=language, actor=actor
    )
    progress.enrol(user, course)
    mail.invitation(user, link(token), course.title, accounts.INVITE_DAYS)
    audit.record(actor, "user.invite", user_target(user), email=user.email, course=course.slug)
    return user


# Certificates -------------------------------------------------------------------------


def revoke_certificate(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke with a reason (the certificate service records it in the audit log)."""
    certificates.revoke(certificate, actor, reason)


def reissue_certificate(
    certificate: Certificate,
    courses: Mapping[str, Course],
    actor: User,
    reason: str,
    settings: certificates.IssueSettings,
) -> Certificate:
    """Revoke and issue anew with the learner's current name (both audited)."""
    course = courses.get(certificate.course_slug)
    if course is None or certificate.user is None:
        raise CourseUnavailable(certificate.course_slug)
    return certificates.reissue(certificate, course, actor, reason, settings)


# Organisations ------------------------------------------------------------------------


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = db.select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    return db.session.scalar(query) is not None


def organisations_with_counts() -> list[tuple[Organisation, int]]:
    """Every organisation with its number of accounts, by name."""
    members = (
        db.select(User.organisation_id, func.count().label("members"))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Organisation, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.organisation_id == Organisation.id)
        .order_by(func.lower(Organisation.name))
    )
    return [(organisation, count) for organisation, count in rows]


def save_organisation(
    organisation: Organisation | None, actor: User, *, name: str, kind: str, country: str
) -> Organisation:
    """Create (organisation None) or edit an organisation; OrganisationNameTaken if so."""
    name, country = clean_name(name), clean_text(country or "")
    if _name_taken(name, organisation.id if organisation else None):
        raise OrganisationNameTaken(name)
    if organisation is None:
        organisation = Organisation(name=name, kind=kind, country=country)
        db.session.add(organisation)
        db.session.flush()
        audit.record(
            actor, "organisation.create", organisation_target(organisation), "",
            organisation=name, kind=kind, country=country,
        )  # fmt: skip
        return organisation
    changes = {
        field: {"before": str(getattr(organisation, field)), "after": value}
        for field, value in (("name", name), ("kind", kind), ("country", country))
        if str(getattr(organisation, field)) != value
    }
    if changes:
        organisation.name, organisation.kind, organisation.country = name, kind, country
        audit.record(
            actor, "organisation.update", organisation_target(organisation), "",
            organisation=name, **changes,
        )  # fmt: skip
        db.session.flush()
    return organisation


def approve_organisation(organisation: Organisation, actor: User) -> None:
    """List a self-registered organisation for everyone at registration."""
    if organisation.pending:
        organisation.pending = False
        audit.record(
            actor, "organisation.approve", organisation_target(organisation), "",
            organisation=organisation.name,
        )  # fmt: skip
        db.session.flush()


def merge_organisations(
    source: Organisation, target: Organisation, actor: User, reason: str
) -> int:
    """Move every member of `source` to `target`, then delete `source`; returns the count."""
    if source.id == target.id:
        raise ValueError("an organisation cannot be merged into itself")
    moved = db.session.execute(
        db.update(User).where(User.organisation_id == source.id).values(organisation_id=target.id)
    ).rowcount
    audit.record(
        actor, "organisation.merge", organisation_target(target), reason,
        organisation=target.name, merged=source.name, members_moved=moved,
    )  # fmt: skip
    db.session.delete(source)
    db.session.flush()
    return moved


# Exports ------------------------------------------------------------------------------


def record_export(actor: User, kind: str, filters: Filters, **detail) -> None:
    """Downloads of personal data are audited too (who took what)."""
    chosen = ", ".join(f"{key}={value}" for key, value in filters.as_args().items())
    audit.record(actor, f"export.{kind}", "", "", filters=chosen or "none", **detail)


# The audit log ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    actions: list[str]


def audit_page(action: str | None, page: int, per_page: int = 50) -> AuditPage:
    """Audit events, newest first, optionally of one action."""
    query = db.select(AuditEvent)
    count = db.select(func.count(AuditEvent.id))
    if action:
        query, count = (
            query.where(AuditEvent.action == action),
            count.where(AuditEvent.action == action),
        )
    shown = paging(db.session.scalar(count), page, per_page)
    events = db.session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset(shown.offset)
    ).all()
    actions = db.session.scalars(
        db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return AuditPage(list(events), shown.total, shown.page, shown.pages, list(actions))


# One learner --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerView:
    key: str
    question: Question | None
    answer: object
    right: bool
    chosen: tuple  # the chosen options (Option objects, or keys no longer in the quiz)


@dataclass(frozen=True)
class AttemptView:
    attempt: QuizAttempt
    course: Course | None
    quiz: Quiz | None
    answers: tuple[AnswerView, ...]


@dataclass(frozen=True)
class LessonDone:
    slug: str
    lesson: Lesson | None  # None: no longer in the course
    completed_at: dt.datetime | None  # None: not done yet
    course_version: str = ""


@dataclass(frozen=True)
class LessonGroup:
    """A course's lessons in order, done or not, then done ones since removed."""

    course_slug: str
    course: Course | None
    lessons: list[LessonDone]

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.completed_at is not None)


@dataclass(frozen=True)
class LearnerDetail:
    user: User
    enrolments: list[EnrolmentRow]
    gone: list[Enrolment]  # enrolments in courses no longer offered
    lessons: list[LessonGroup]
    attempts: list[AttemptView]
    certificates: list[Certificate]
    events: list[AuditEvent]
    last_login: dt.datetime | None


def _answer_view(quiz: Quiz | None, key: str, attempt: QuizAttempt) -> AnswerView:
    question = quiz.question(key) if quiz else None
    answer = attempt.answers.get(key)
    chosen: tuple = ()
    if isinstance(answer, list):
        chosen = tuple((question.option(k) if question else None) or k for k in answer)
    return AnswerView(key, question, answer, bool(attempt.results.get(key)), chosen)


def _lesson_group(
    slug: str, course: Course | None, done: dict[str, LessonCompletion]
) -> LessonGroup:
    rows = []
    for lesson in course.lessons if course else ():
        completion = done.get(lesson.slug)
        rows.append(
            LessonDone(
                lesson.slug,
                lesson,
                completion.completed_at if completion else None,
                completion.course_version if completion else "",
            )
        )
    current = {lesson.slug for lesson in course.lessons} if course else set()
    rows += [
        LessonDone(c.lesson_slug, None, c.completed_at, c.course_version)
        for c in done.values()
        if c.lesson_slug not in current
    ]
    return LessonGroup(slug, course, rows)


def learner_detail(user: User, courses: Mapping[str, Course]) -> LearnerDetail:
    """Everything an administrator reviews about one learner, in a handful of queries."""
    enrolments = EnrolmentRow.read(
        enrolment_rows(courses, Filters())
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at),
        courses,
    )
    gone = db.session.scalars(
        db.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_slug.not_in(list(courses))
        )
    ).all()
    done: dict[str, dict[str, LessonCompletion]] = {}
    for completion in db.session.scalars(
        db.select(LessonCompletion)
        .where(LessonCompletion.user_id == user.id)
        .order_by(LessonCompletion.completed_at)
    ):
        done.setdefault(completion.course_slug, {})[completion.lesson_slug] = completion
    enrolled = [row.course.slug for row in enrolments]
    slugs = enrolled + [slug for slug in done if slug not in enrolled]
    lessons = [_lesson_group(slug, courses.get(slug), done.get(slug, {})) for slug in slugs]
    attempts = []
    for attempt in db.session.scalars(
        db.select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.course_slug, QuizAttempt.quiz_slug, QuizAttempt.number)
    ):
        course = courses.get(attempt.course_slug)
        quiz = course.quiz(attempt.quiz_slug) if course else None
        answers = tuple(_answer_view(quiz, key, attempt) for key, _options in attempt.layout)
        attempts.append(AttemptView(attempt, course, quiz, answers))
    certs = db.session.scalars(
        db.select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    targets = [user_target(user), *(c.code for c in certs)]
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.target.in_(targets))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(100)
    ).all()
    last_login = db.session.scalar(
        db.select(func.max(UserSession.created_at)).where(UserSession.user_id == user.id)
    )
    if last_login is not None and last_login.tzinfo is None:
        last_login = last_login.replace(tzinfo=dt.UTC)
    return LearnerDetail(
        user, enrolments, list(gone), lessons, attempts, list(certs), list(events), last_login
    )
