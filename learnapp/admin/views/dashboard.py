"""The dashboard: completion by course and organisation; certificates waiting to be issued."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnapp import completion
from learnapp.admin import reports
from learnapp.admin.reports import NO_ORGANISATION, Filters
from learnapp.admin.views import bp
from learnapp.admin.views.common import filter_form, filters_status
from learnapp.auth.roles import admin_required, role_required
from learnapp.catalogue import catalogue
from learnapp.certificates import service as certificates
from learnapp.extensions import db
from learnapp.models import Organisation, Role


@bp.get("/")
@role_required(Role.TRAINER, Role.MANAGER, Role.ADMIN)
def dashboard():
    if not current_user.sees_reports:
        return render_template("admin/trainer_home.html")
    form = filter_form()
    filters = form.filters()
    courses = catalogue().courses
    data = reports.dashboard(courses, filters, with_cohorts=True)
    return render_template(
        "admin/dashboard.html",
        form=form,
        filters=filters,
        data=data,
        organisation_name=_organisation_name(filters),
        cohort_name=dict(form.cohort.choices).get(str(filters.cohort)) if filters.cohort else None,
        cohorts=data.cohorts,
        failed_issues=certificates.failed_issues(courses) if current_user.is_admin else [],
    ), filters_status(form)


@bp.post("/certificates/issue-pending")
@admin_required
def issue_pending_certificates():
    """Try again to issue the certificates whose issue failed (after a template fix)."""
    report = completion.issue_pending(catalogue().courses)
    flash(
        _(
            "%(issued)d certificate(s) issued; %(failed)d still failing.",
            issued=len(report.issued),
            failed=len(report.failed),
        ),
        "success" if not report.failed else "error",
    )
    return redirect(url_for(".dashboard"), 303)


def _organisation_name(filters: Filters) -> str | None:
    if filters.organisation == NO_ORGANISATION:
        return _("No organisation")
    if filters.organisation is not None:
        organisation = db.session.get(Organisation, filters.organisation)
        return organisation.name if organisation else None
    return None
