"""Cohorts: list, create, edit (name, organisation, courses and due dates), members.

Admins run every cohort; a partner manager only those of their organisations, and adds
only people of their organisations. The scope is passed to every lookup (viewer_scope)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from learnapp.admin import reports
from learnapp.admin.forms import MemberForm, organisation_choices, with_courses
from learnapp.admin.views import bp
from learnapp.admin.views.common import (
    all_organisations,
    flash_form_errors,
    get_or_404,
    viewer_scope,
)
from learnapp.auth.roles import reports_required
from learnapp.catalogue import catalogue
from learnapp.cohorts import service
from learnapp.dbutil import MAX_ID, parse_id
from learnapp.extensions import db
from learnapp.models import Cohort, User


def _cohort_or_404(cohort_id: int) -> Cohort:
    """The cohort if the viewer runs it; 404 for another organisation's (never 403)."""
    if not 0 < cohort_id <= MAX_ID:
        abort(404)
    cohort = service.get(cohort_id, viewer_scope())
    if cohort is None:
        abort(404)
    return cohort


def _form(cohort: Cohort | None):
    courses = sorted(catalogue().courses.values(), key=lambda c: c.slug)
    form = with_courses(courses, cohort)(obj=cohort)
    if viewer_scope() is None:
        choices = organisation_choices(all_organisations(), None)
    else:
        choices = organisation_choices(current_user.managed_organisations, None, none=False)
    form.organisation.choices = choices
    if not form.is_submitted() and cohort is not None:
        form.organisation.data = str(cohort.organisation_id or reports.NO_ORGANISATION)
    return form


@bp.get("/cohorts")
@reports_required
def cohorts():
    scope = viewer_scope()
    courses = catalogue().courses
    figures = reports.cohort_figures(courses, reports.Filters(scope=scope))
    by_cohort: dict[int, list] = {}
    for row in figures:
        by_cohort.setdefault(row.cohort_id, []).append(row)
    return render_template(
        "admin/cohorts.html", cohorts=service.visible(scope), figures=by_cohort, courses=courses
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@reports_required
def cohort(cohort_id: int | None = None):
    existing = _cohort_or_404(cohort_id) if cohort_id else None
    form = _form(existing)
    if form.validate_on_submit():
        organisation = parse_id(form.organisation.data)
        try:
            if existing is None:
                saved = service.create(
                    form.name.data, organisation, form.planned(), viewer_scope(), current_user
                )
            else:
                saved = existing
                service.update(
                    existing, form.name.data, organisation, form.planned(), viewer_scope(),
                    catalogue().courses, current_user,
                )  # fmt: skip
        except service.CohortNameTaken:
            form.name.errors.append(_("Another cohort already has this name."))
        except service.NotInScope:
            abort(404)
        else:
            db.session.commit()
            flash(_("Cohort “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for(".cohort", cohort_id=saved.id), 303)
    return render_template(
        "admin/cohort.html",
        form=form,
        cohort=existing,
        members=service.members(existing, viewer_scope()) if existing else [],
        member_form=MemberForm(formdata=None),
    ), 400 if form.errors else 200


@bp.post("/cohorts/<int:cohort_id>/members")
@reports_required
def add_cohort_member(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = MemberForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".cohort", cohort_id=cohort.id, _anchor="members"), 303)
    user = service.person(form.email.data, viewer_scope())
    if user is None:
        flash(
            _("No account of yours has the e-mail address %(email)s.", email=form.email.data),
            "error",
        )
    elif service.join(cohort, user, catalogue().courses, current_user):
        db.session.commit()
        flash(
            _("%(name)s added to the cohort and enrolled in its courses.", name=user.name),
            "success",
        )
    else:
        flash(_("%(name)s is already in the cohort.", name=user.name), "success")
    return redirect(url_for(".cohort", cohort_id=cohort.id, _anchor="members"), 303)


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
@reports_required
def remove_cohort_member(cohort_id: int, user_id: int):
    cohort = _cohort_or_404(cohort_id)
    user = get_or_404(User, user_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif service.leave(cohort, user, current_user):
        db.session.commit()
        flash(
            _("%(name)s removed from the cohort; their progress is kept.", name=user.name),
            "success",
        )
    return redirect(url_for(".cohort", cohort_id=cohort.id, _anchor="members"), 303)
