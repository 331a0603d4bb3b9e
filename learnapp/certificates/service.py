"""Issuing, revoking, re-issuing and verifying certificates."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row

from learnapp import audit
from learnapp.certificates.codes import new_code, normalise_code
from learnapp.certificates.render import CertificateContext, render_certificate
from learnapp.content.model import Course
from learnapp.credentials import badge, status, verify
from learnapp.credentials.issuer import Issuer
from learnapp.dbutil import MAX_ID, insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Certificate, Enrolment, User, now_utc


class NotEligible(Exception):
    """The learner has not completed the course."""


def live_certificate(user: User, course_slug: str) -> Certificate | None:
    """The learner's unrevoked certificate for a course."""
    return db.session.scalar(
        db.select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.course_slug == course_slug,
            Certificate.revoked_at.is_(None),
        )
    )


def latest_certificate(user: User, course_slug: str) -> Certificate | None:
    """The learner's newest certificate for a course, revoked or not."""
    return db.session.scalar(
        db.select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.course_slug == course_slug)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class IssueSettings:
    """What issuing needs from the configuration, passed in rather than read deep inside."""

    base_url: str
    issuer: str
    static_dir: str
    languages: tuple[str, ...] = ("en",)  # the shipped certificate template speaks these
    signer: Issuer | None = None  # signs the Open Badges credential (InvalidKey if misconfigured)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IssueSettings:
        return cls(
            config["BASE_URL"],
            config["ISSUER"],
            config["STATIC_DIR"],
            tuple(config["LANGUAGES"]),
            Issuer.from_config(config),
        )

    def verify_url(self, code: str) -> str:
        return f"{self.base_url.rstrip('/')}/verify/{code}"

    def status_list_url(self, list_number: int) -> str:
        return f"{self.base_url.rstrip('/')}/status/{list_number}"


def certificate_language(user: User, course: Course, settings: IssueSettings) -> str:
    """The learner's language when the certificate can be worded in it, else the course's."""
    worded = {*settings.languages, *course.languages}
    return user.language if user.language in worded else course.default_language


def _render(course: Course, context: CertificateContext, static_dir: str) -> bytes:
    # The course's own template for this language (certificate.fr.html) if it has one;
    # its certificate.html speaks its default language; else the app's, translated.
    template = course.in_language(context.language).certificate_template
    if context.language != course.default_language and template == course.certificate_template:
        template = None
    return render_certificate(
        context,
        template_html=Path(template).read_text(encoding="utf-8") if template else None,
        course_dir=course.path,
        static_dir=static_dir,
    )


def issue_certificate(
    user: User, course: Course, enrolled: Enrolment, settings: IssueSettings
) -> Certificate:
    """Issue the learner's certificate once; a racing second request gets the same one.

    The PDF is rendered before anything is written, so call this outside the transaction
    that recorded the completion: a slow or failing render must not hold or undo it.
    """
    existing = live_certificate(user, course.slug)
    if existing:
        return existing
    if enrolled.completed_at is None:
        raise NotEligible(course.slug)
    completed_on = enrolled.completed_at.date()
    code = new_code()
    language = certificate_language(user, course, settings)
    worded = course.in_language(language)
    context = CertificateContext(
        name=user.name,
        course_title=worded.title,
        completed_on=completed_on,
        duration_minutes=course.estimated_minutes,
        code=code,
        verify_url=settings.verify_url(code),
        issuer=settings.issuer,
        language=language,
        course_language=worded.language,
        expires_on=_add_months(completed_on, course.certificate_valid_months)
        if course.certificate_valid_months
        else None,
    )
    pdf = _render(course, context, settings.static_dir)
    insert_or_ignore(
        Certificate,
        code=code,
        user_id=user.id,
        course_slug=course.slug,
        name=context.name,
        course_title=context.course_title,
        language=language,
        course_version=course.version,
        completed_on=completed_on,
        duration_minutes=context.duration_minutes,
        expires_on=context.expires_on,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=now_utc(),
    )
    enrolled.certificate_error = None
    enrolled.certificate_failed_at = None
    # If a racing request issued first, its certificate is the one.
    certificate = live_certificate(user, course.slug)
    if certificate.code == code:
        # Signed now that the row has the id that places it in a status list.
        certificate.credential = open_badge(certificate, user.email, course, settings)
        db.session.flush()
    return certificate


def open_badge(
    certificate: Certificate, email: str, course: Course | None, settings: IssueSettings
) -> str:
    """The signed Open Badges 3.0 credential of a certificate (JSON text), from its record."""
    list_number, index = status.position(certificate.id)
    award = badge.Award(
        code=certificate.code,
        verify_url=settings.verify_url(certificate.code),
        email=email,
        course_url=f"{settings.base_url.rstrip('/')}/courses/{certificate.course_slug}",
        course_title=certificate.course_title,
        course_summary=course.summary if course else "",
        course_language=course.language if course else None,
        course_version=certificate.course_version,
        issued_at=certificate.issued_at,
        expires_on=certificate.expires_on,
        status=status.entry(settings.status_list_url(list_number), index),
    )
    return badge.issue(award, settings.signer)


def backfill_credentials(courses: Mapping[str, Course], settings: IssueSettings) -> list[str]:
    """Sign a credential, once, for each certificate issued before credentials existed.

    Revoked certificates get one too (their status bit says revoked); a withdrawn
    holder's do not, since the credential identifies them. Returns the codes signed.
    """
    pending = db.session.scalars(
        db.select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.credential.is_(None), Certificate.holder_withdrawn.is_(False))
        .order_by(Certificate.id)
    )
    signed = []
    for certificate in pending:
        course = courses.get(certificate.course_slug)
        certificate.credential = open_badge(certificate, certificate.user.email, course, settings)
        signed.append(certificate.code)
    db.session.flush()
    return signed


def status_list(list_number: int) -> tuple[list[int], dt.datetime] | None:
    """A status list's set bits and when it last changed; None when no certificate is in it."""
    first, last = status.id_range(list_number)
    if first > MAX_ID:
        return None
    last = min(last, MAX_ID + 1)
    in_list = (Certificate.id >= first) & (Certificate.id < last)
    first_issued = db.session.scalar(db.select(db.func.min(Certificate.issued_at)).where(in_list))
    if first_issued is None:
        return None
    revoked = db.session.execute(
        db.select(Certificate.id, Certificate.revoked_at).where(
            in_list, Certificate.revoked_at.is_not(None)
        )
    ).all()
    changed = max([first_issued, *(revoked_at for _, revoked_at in revoked)])
    return [status.position(id_)[1] for id_, _ in revoked], changed


def ever_issued(user: User, course_slug: str) -> bool:
    """Whether the learner has any certificate for the course, revoked ones included."""
    return (
        db.session.scalar(
            db.select(Certificate.id)
            .where(Certificate.user_id == user.id, Certificate.course_slug == course_slug)
            .limit(1)
        )
        is not None
    )


def awaiting_certificate(user: User, course: Course, enrolled: Enrolment | None) -> bool:
    """A completed course whose certificate is still to be issued automatically.

    Never after a revocation: a revoked certificate is replaced only by an admin's re-issue.
    """
    return (
        course.certificate
        and enrolled is not None
        and enrolled.completed_at is not None
        and not ever_issued(user, course.slug)
    )


def record_issue_failure(enrolled: Enrolment, error: BaseException) -> None:
    """Keep why issuing failed, for the admins and for `certificates issue-pending`."""
    enrolled.certificate_error = f"{type(error).__name__}: {error}"[:2000]
    enrolled.certificate_failed_at = now_utc()
    audit.record(
        None,
        "certificate.issue_failed",
        f"user:{enrolled.user_id}",
        enrolled.certificate_error,
        course=enrolled.course_slug,
    )


def failed_issues(courses: Mapping[str, Course]) -> list[Enrolment]:
    """Pending issues that have failed at least once (for the admin dashboard)."""
    return [e for e in pending_issues(courses) if e.certificate_failed_at is not None]


def pending_issues(courses: Mapping[str, Course]) -> list[Enrolment]:
    """Completed enrolments in certificate courses with no certificate yet, oldest first."""
    certified = {slug for slug, course in courses.items() if course.certificate}
    if not certified:
        return []
    has_certificate = (
        db.select(Certificate.id)
        .where(
            Certificate.user_id == Enrolment.user_id,
            Certificate.course_slug == Enrolment.course_slug,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            db.select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.completed_at.is_not(None),
                Enrolment.course_slug.in_(sorted(certified)),
                User.deleted_at.is_(None),
                ~has_certificate,
            )
            .order_by(Enrolment.completed_at)
        )
    )


def revoke(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke a certificate with a reason (it stays on record)."""
    if certificate.revoked_at is None:
        certificate.revoked_at = now_utc()
        certificate.revoked_reason = reason
        db.session.flush()
        audit.record(actor, "certificate.revoke", certificate.code, reason)


def reissue(
    certificate: Certificate, course: Course, actor: User, reason: str, settings: IssueSettings
) -> Certificate:
    """Revoke the certificate and issue a new one with the learner's current details."""
    user = certificate.user
    enrolled = db.session.scalar(
        db.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_slug == course.slug
        )
    )
    revoke(certificate, actor, reason)
    new = issue_certificate(user, course, enrolled, settings)
    audit.record(actor, "certificate.reissue", new.code, reason, replaces=certificate.code)
    return new


def status_of(certificate: Certificate, today: dt.date | None = None) -> str:
    """'valid', 'expired' or 'revoked'."""
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_on and certificate.expires_on < (today or dt.date.today()):
        return "expired"
    return "valid"


def find_by_code(text: str) -> Certificate | None:
    """The certificate with this code, tolerating how people type codes."""
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(db.select(Certificate).where(Certificate.code == code))


def stored_pdf(text: str) -> Row | None:
    """The holder (user_id), code, sha256 and stored pdf of the certificate with this code,
    or None: one read on the unique code index, no ORM object (the download's hot path)."""
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.execute(
        db.select(Certificate.user_id, Certificate.code, Certificate.sha256, Certificate.pdf).where(
            Certificate.code == code
        )
    ).one_or_none()


def find_by_pdf(data: bytes) -> Certificate | None:
    """The certificate whose stored PDF has exactly these bytes."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(db.select(Certificate).where(Certificate.sha256 == digest))


def check_credential(data: bytes | str, settings: IssueSettings) -> verify.Verdict:
    """Verify a pasted or uploaded credential against our keys and our records.

    Raises verify.Rejected (its message is a reason code) when it is not one of ours.
    """
    document = verify.parse(data)
    list_prefix = settings.status_list_url(0)[:-1]

    def issued(list_url: str, index: int) -> tuple[str | None, bool] | None:
        number = list_url.removeprefix(list_prefix)
        if not (list_url.startswith(list_prefix) and number.isdigit()):
            return None
        certificate_id = int(number) * status.LIST_SIZE + index
        if not 0 < certificate_id <= MAX_ID:
            return None
        row = db.session.execute(
            db.select(Certificate.credential, Certificate.revoked_at).where(
                Certificate.id == certificate_id
            )
        ).first()
        return None if row is None else (row.credential, row.revoked_at is not None)

    return verify.check(document, settings.signer, issued, now_utc())
