"""Administration: one blueprint, one module per section (dashboard, learners,
organisations, trainers' views, reports, audit log)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_percent
from flask_babel import lazy_gettext as _l

from learnapp.admin.forms import KIND_LABELS, ROLE_LABELS, STATUS_LABELS
from learnapp.certificates.service import status_of

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACTION_LABELS = {
    "user.role": _l("Role changed"),
    "user.organisation": _l("Organisation changed"),
    "user.manages": _l("Organisations managed changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "user.reset_link": _l("Password-reset link created"),
    "user.password_reset": _l("Password reset with a link"),
    "user.reset_requested": _l("Password-reset link e-mailed on request"),
    "user.invite": _l("Invited by e-mail"),
    "user.import": _l("Learners imported from a file"),
    "user.email_change": _l("E-mail address changed"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.reissue": _l("Certificate re-issued"),
    "organisation.create": _l("Organisation added"),
    "organisation.update": _l("Organisation edited"),
    "organisation.merge": _l("Organisations merged"),
    "organisation.approve": _l("Organisation approved"),
    "cohort.create": _l("Cohort created"),
    "cohort.update": _l("Cohort edited"),
    "cohort.member_add": _l("Added to a cohort"),
    "cohort.member_remove": _l("Removed from a cohort"),
    "export.completions_csv": _l("Completions CSV downloaded"),
    "export.attempts_csv": _l("Quiz attempts CSV downloaded"),
    "export.certificates_zip": _l("Certificates ZIP downloaded"),
    "export.invitation_links": _l("Invitation links downloaded"),
}


@bp.context_processor
def admin_context() -> dict:
    return {
        "action_labels": ACTION_LABELS,
        "role_labels": ROLE_LABELS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "certificate_status": status_of,
        "format_percent": format_percent,
    }


# The routes register themselves on `bp` when their modules are imported.
from learnapp.admin.views import (  # noqa: E402
    audit,
    cohorts,
    dashboard,
    imports,
    learners,
    organisations,
    reports,
    trainers,
)

__all__ = [
    "audit",
    "bp",
    "cohorts",
    "dashboard",
    "imports",
    "learners",
    "organisations",
    "reports",
    "trainers",
]
