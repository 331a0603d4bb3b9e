"""Organisations: list, add, edit, approve, merge."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from learnapp.admin import service
from learnapp.admin.forms import (
    MergeForm,
    OrganisationForm,
)
from learnapp.admin.views import bp
from learnapp.admin.views.common import all_organisations, flash_form_errors, get_or_404
from learnapp.auth.roles import admin_required
from learnapp.extensions import db
from learnapp.models import Organisation


@bp.get("/organisations")
@admin_required
def organisations():
    return render_template(
        "admin/organisations.html", organisations=service.organisations_with_counts()
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_required
def organisation(organisation_id: int | None = None):
    existing = get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=existing)
    if form.validate_on_submit():
        try:
            saved = service.save_organisation(
                existing, current_user, name=form.name.data, kind=form.kind.data,
                country=form.country.data or "",
            )  # fmt: skip
        except service.OrganisationNameTaken:
            form.name.errors.append(_("Another organisation already has this name."))
        else:
            db.session.commit()
            flash(_("Organisation “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for(".organisations"), 303)
    merge = None
    if existing:
        merge = MergeForm(formdata=None)
        merge.into.choices = [
            (str(o.id), o.name) for o in all_organisations() if o.id != existing.id
        ]
    return render_template("admin/organisation.html", form=form, organisation=existing, merge=merge)


@bp.post("/organisations/<int:organisation_id>/approve")
@admin_required
def approve_organisation(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id)
    form = FlaskForm()  # the CSRF token only: the audit log records who approved and when
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".organisations"), 303)
    service.approve_organisation(organisation, current_user)
    db.session.commit()
    flash(
        _("“%(name)s” is approved: learners can now choose it.", name=organisation.name),
        "success",
    )
    return redirect(url_for(".organisations"), 303)


@bp.post("/organisations/<int:organisation_id>/merge")
@admin_required
def merge_organisation(organisation_id: int):
    source = get_or_404(Organisation, organisation_id)
    form = MergeForm()
    form.into.choices = [(str(o.id), o.name) for o in all_organisations() if o.id != source.id]
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".organisation", organisation_id=source.id), 303)
    target = get_or_404(Organisation, int(form.into.data))
    name = source.name
    moved = service.merge_organisations(source, target, current_user, form.reason.data.strip())
    db.session.commit()
    flash(
        _(
            "“%(source)s” merged into “%(target)s”: %(count)d accounts moved.",
            source=name,
            target=target.name,
            count=moved,
        ),
        "success",
    )
    return redirect(url_for(".organisations"), 303)
