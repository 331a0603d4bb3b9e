"""What the admin views share: lookups, the filter form, paging, form errors."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnapp.admin.forms import (
    FilterForm,
    organisation_choices,
)
from learnapp.cohorts import service as cohorts
from learnapp.dbutil import MAX_ID
from learnapp.extensions import db
from learnapp.models import Organisation, User


def get_or_404(model, ident: int):
    """The row with this id, or 404 (also for ids no database column can hold)."""
    if not 0 < ident <= MAX_ID:
        abort(404)
    return db.get_or_404(model, ident)


def all_organisations() -> list[Organisation]:
    """Every organisation by name, for the choices of a form."""
    return list(db.session.scalars(db.select(Organisation).order_by(Organisation.name)))


def viewer_scope() -> frozenset[int] | None:
    """The organisations whose people the signed-in viewer may see: None (all) for an
    admin, a partner manager's own organisations otherwise."""
    if current_user.is_admin:
        return None
    return frozenset(organisation.id for organisation in current_user.managed_organisations)


def in_scope(user: User) -> bool:
    scope = viewer_scope()
    return scope is None or user.organisation_id in scope


def filter_form(form_class=FilterForm):
    """The filters of the query string, narrowed to the viewer's scope, with the
    organisations to choose from."""
    form = form_class(formdata=request.args)
    form.scope = viewer_scope()
    if form.scope is None:
        choices = organisation_choices(all_organisations(), _("All organisations"))
    else:
        mine = current_user.managed_organisations
        choices = organisation_choices(mine, _("All your organisations"), none=False)
    form.organisation.choices = choices
    # Only the cohorts the viewer runs can be chosen; any other id is an invalid choice.
    form.cohort.choices = [("", _("All cohorts"))] + [
        (str(cohort.id), cohort.name) for cohort in cohorts.visible(form.scope)
    ]
    return form


def page_number() -> int:
    """The page asked for (1 for anything that is not a page number)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def filters_status(form: FilterForm) -> int:
    """400 when a date filter could not be used (the page shows why), else 200."""
    return 400 if form.date_error() else 200


def flash_form_errors(form) -> None:
    """Each error of a form that redirects back, as a message on the next page."""
    for name, errors in form.errors.items():
        if name == "csrf_token":
            flash(_("The form had expired. Please submit it again."), "error")
        else:
            flash(f"{form[name].label.text}: {' '.join(map(str, errors))}", "error")
