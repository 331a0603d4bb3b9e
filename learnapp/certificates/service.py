"""Issuing, revoking, re-issuing and verifying certificates."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from flask import current_app

from learnapp import audit
from learnapp.certificates.codes import new_code, normalise_code
from learnapp.certificates.render import CertificateContext, render_certificate
from learnapp.content.model import Course
from learnapp.dbutil import insert_or_ignore
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


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def _render(course: Course, context: CertificateContext) -> bytes:
    template = course.certificate_template
    return render_certificate(
        context,
        template_html=Path(template).read_text(encoding="utf-8") if template else None,
        course_dir=course.path,
        static_dir=current_app.config["STATIC_DIR"],
    )


def issue_certificate(user: User, course: Course, enrolled: Enrolment) -> Certificate:
    """Issue the learner's certificate once; a racing second request gets the same one."""
    existing = live_certificate(user, course.slug)
    if existing:
        return existing
    if enrolled.completed_at is None:
        raise NotEligible(course.slug)
    completed_on = enrolled.completed_at.date()
    code = new_code()
    context = CertificateContext(
        name=user.name,
        course_title=course.title,
        completed_on=completed_on,
        duration_minutes=course.estimated_minutes,
        code=code,
        verify_url=verify_url(code),
        issuer=current_app.config["ISSUER"],
        language=course.language,
        expires_on=_add_months(completed_on, course.certificate_valid_months)
        if course.certificate_valid_months
        else None,
    )
    pdf = _render(course, context)
    insert_or_ignore(
        Certificate,
        code=code,
        user_id=user.id,
        course_slug=course.slug,
        name=context.name,
        course_title=context.course_title,
        course_version=course.version,
        completed_on=completed_on,
        duration_minutes=context.duration_minutes,
        expires_on=context.expires_on,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=now_utc(),
    )
    # If a racing request issued first, its certificate is the one.
    return live_certificate(user, course.slug)


def revoke(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke a certificate with a reason (it stays on record)."""
    if certificate.revoked_at is None:
        certificate.revoked_at = now_utc()
        certificate.revoked_reason = reason
        db.session.flush()
        audit.record(actor, "certificate.revoke", certificate.code, reason)


def reissue(certificate: Certificate, course: Course, actor: User, reason: str) -> Certificate:
    """Revoke the certificate and issue a new one with the learner's current details."""
    user = certificate.user
    enrolled = db.session.scalar(
        db.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_slug == course.slug
        )
    )
    revoke(certificate, actor, reason)
    new = issue_certificate(user, course, enrolled)
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


def find_by_pdf(data: bytes) -> Certificate | None:
    """The certificate whose stored PDF has exactly these bytes."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(db.select(Certificate).where(Certificate.sha256 == digest))
