"""Finishing a course: a use case that spans progress and certificates.

The learner's step is committed first and never lost; the certificate is rendered and
stored afterwards, in a transaction of its own, so that a slow render does not hold
SQLite's write lock and a broken template cannot undo the completion. A failed issue
is recorded on the enrolment, shown to admins and retried by
`learnapp certificates issue-pending`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

from learnapp.certificates import service as certificates
from learnapp.content.model import Course
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import Certificate, Enrolment, User
from learnapp.progress import service as progress

if TYPE_CHECKING:
    from learnapp.auth.service import SessionUser

log = logging.getLogger(__name__)


def settings() -> certificates.IssueSettings:
    """The issuing settings of the running app."""
    return certificates.IssueSettings.from_config(current_app.config)


def commit_and_certify(
    user: User | SessionUser, course: Course, enrolled: Enrolment | None = None
) -> Certificate | None:
    """Commit what the learner just did; then issue the certificate if one is due.

    Returns the newly issued certificate, or None (not finished, already issued, revoked,
    or the issue failed and was recorded).
    """
    enrolled = enrolled or progress.enrolment(user, course)
    finished = enrolled is not None and enrolled.completed_at is not None
    db.session.commit()
    if not (finished and certificates.awaiting_certificate(user, course, enrolled)):
        return None
    # The certificate and its e-mail need the whole account (the page may hold only who
    # the user is: auth.views.WHO_ONLY_PAGES); no query when it is loaded already.
    return _issue(db.session.get(User, user.id), course, enrolled)


def _issue(user: User, course: Course, enrolled: Enrolment) -> Certificate | None:
    enrolment_id = enrolled.id
    try:
        issue = settings()
        certificate = certificates.issue_certificate(user, course, enrolled, issue)
        mail.certificate_issued(user, certificate.course_title, issue.verify_url(certificate.code))
        db.session.commit()
        return certificate
    except Exception as error:  # a broken template, a render or a database error
        db.session.rollback()
        log.exception("certificate for %s in %s could not be issued", user.id, course.slug)
        enrolled = db.session.get(Enrolment, enrolment_id)
        certificates.record_issue_failure(enrolled, error)
        db.session.commit()
        return None


@dataclass
class IssueReport:
    issued: list[Certificate] = field(default_factory=list)
    failed: list[Enrolment] = field(default_factory=list)


def issue_pending(courses: Mapping[str, Course]) -> IssueReport:
    """Issue every certificate still due (after a failure, or a fixed template)."""
    report = IssueReport()
    for enrolled in certificates.pending_issues(courses):
        certificate = _issue(enrolled.user, courses[enrolled.course_slug], enrolled)
        if certificate is None:
            report.failed.append(db.session.get(Enrolment, enrolled.id))
        else:
            report.issued.append(certificate)
    return report
