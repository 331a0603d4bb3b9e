"""Administration: dashboard, learners, organisations, reports, audit log; trainers' views."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnapp.admin import analysis, reports, service
from learnapp.admin.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    SORTS,
    STATUS_LABELS,
    AccountForm,
    FilterForm,
    LearnerFilterForm,
    MergeForm,
    OrganisationForm,
    ReasonForm,
    organisation_choices,
)
from learnapp.admin.reports import NO_ORGANISATION, Filters
from learnapp.auth.roles import admin_required, trainer_required
from learnapp.catalogue import catalogue
from learnapp.certificates.service import status_of
from learnapp.extensions import db
from learnapp.models import Certificate, Organisation, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACTION_LABELS = {
    "user.role": _l("Role changed"),
    "user.organisation": _l("Organisation changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "user.reset_link": _l("Password-reset link created"),
    "user.password_reset": _l("Password reset with a link"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.reissue": _l("Certificate re-issued"),
    "organisation.create": _l("Organisation added"),
    "organisation.update": _l("Organisation edited"),
    "organisation.merge": _l("Organisations merged"),
    "export.completions_csv": _l("Completions CSV downloaded"),
    "export.attempts_csv": _l("Quiz attempts CSV downloaded"),
    "export.certificates_zip": _l("Certificates ZIP downloaded"),
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


MAX_ID = 2**63 - 1  # larger numbers cannot be database ids (SQLite would overflow)


def _get_or_404(model, ident: int):
    """The row with this id, or 404 (also for ids no database column can hold)."""
    if not 0 < ident <= MAX_ID:
        abort(404)
    return db.get_or_404(model, ident)


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(db.select(Organisation).order_by(Organisation.name)))


def _filter_form(form_class=FilterForm):
    form = form_class(formdata=request.args)
    form.organisation.choices = organisation_choices(_organisations(), _("All organisations"))
    return form


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# Dashboard ----------------------------------------------------------------------------


@bp.get("/")
@trainer_required
def dashboard():
    if not current_user.is_admin:
        return render_template("admin/trainer_home.html")
    form = _filter_form()
    filters = form.filters()
    courses = catalogue().courses
    return render_template(
        "admin/dashboard.html",
        form=form,
        filters=filters,
        data=reports.dashboard(courses, filters),
        organisation_name=_organisation_name(filters),
    )


def _organisation_name(filters: Filters) -> str | None:
    if filters.organisation == NO_ORGANISATION:
        return _("No organisation")
    if filters.organisation is not None:
        organisation = db.session.get(Organisation, filters.organisation)
        return organisation.name if organisation else None
    return None


# Learners -----------------------------------------------------------------------------


@bp.get("/learners")
@admin_required
def learners():
    courses = catalogue().courses
    form = _filter_form(LearnerFilterForm)
    form.course.choices = [("", _("Any course"))] + [(s, c.title) for s, c in courses.items()]
    filters = form.filters()
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    descending = request.args.get("dir") == "desc"
    result = reports.learners_page(
        courses,
        filters,
        search=form.q.data or "",
        role=form.role.data if form.role.data and not form.role.errors else None,
        sort=sort,
        descending=descending,
        page=_page(),
    )
    args = {key: value for key, value in request.args.items() if value and key != "page"}
    return render_template(
        "admin/learners.html",
        form=form,
        result=result,
        sort=sort,
        descending=descending,
        args=args,
    )


def _user_or_404(user_id: int) -> User:
    return _get_or_404(User, user_id)


@bp.get("/learners/<int:user_id>")
@admin_required
def learner(user_id: int):
    user = _user_or_404(user_id)
    account = AccountForm(
        formdata=None,
        role=str(user.role),
        organisation=str(user.organisation_id) if user.organisation_id else NO_ORGANISATION,
    )
    account.organisation.choices = organisation_choices(_organisations(), None)
    return render_template(
        "admin/learner.html",
        detail=service.learner_detail(user, catalogue().courses),
        account=account,
        courses=catalogue().courses,
    )


def _back_to(user: User):
    return redirect(url_for(".learner", user_id=user.id), 303)


def _flash_form_errors(form) -> None:
    for name, errors in form.errors.items():
        if name == "csrf_token":
            flash(_("The form had expired. Please submit it again."), "error")
        else:
            flash(f"{form[name].label.text}: {' '.join(map(str, errors))}", "error")


@bp.post("/learners/<int:user_id>/account")
@admin_required
def change_account(user_id: int):
    user = _user_or_404(user_id)
    form = AccountForm()
    form.organisation.choices = organisation_choices(_organisations(), None)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back_to(user)
    organisation = (
        None
        if form.organisation.data == NO_ORGANISATION
        else _get_or_404(Organisation, int(form.organisation.data))
    )
    try:
        done = service.change_account(
            user, current_user, role=form.role.data, organisation=organisation,
            reason=form.reason.data.strip(),
        )  # fmt: skip
    except service.SelfLockout:
        flash(_("You cannot change your own role. Ask another administrator."), "error")
        return _back_to(user)
    db.session.commit()
    flash(_("Account updated.") if done else _("Nothing was changed."), "success")
    return _back_to(user)


def _reason_action(user_id: int, action, success: str):
    user = _user_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back_to(user)
    try:
        action(user, current_user, form.reason.data.strip())
    except service.SelfLockout:
        flash(_("You cannot deactivate your own account."), "error")
        return _back_to(user)
    db.session.commit()
    flash(success, "success")
    return _back_to(user)


@bp.post("/learners/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    return _reason_action(
        user_id, service.deactivate, _("Account deactivated. Its sessions have ended.")
    )


@bp.post("/learners/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int):
    return _reason_action(user_id, service.reactivate, _("Account reactivated."))


@bp.post("/learners/<int:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    user = _user_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back_to(user)
    try:
        link = service.create_reset_link(user, current_user, form.reason.data.strip())
    except service.NotActive:
        flash(_("Reactivate the account before creating a reset link."), "error")
        return _back_to(user)
    db.session.commit()
    response = Response(
        render_template(
            "admin/reset_link.html",
            user=user,
            url=current_app.config["BASE_URL"].rstrip("/")
            + url_for("auth.reset_password", token=link.token),
            expires_at=link.expires_at,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = _get_or_404(Certificate, certificate_id)
    if certificate.user is None:
        abort(404)
    return certificate


@bp.post("/certificates/<int:certificate_id>/revoke")
@admin_required
def revoke_certificate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm()
    if form.validate_on_submit():
        service.revoke_certificate(certificate, current_user, form.reason.data.strip())
        db.session.commit()
        flash(_("Certificate %(code)s revoked.", code=certificate.code), "success")
    else:
        _flash_form_errors(form)
    return _back_to(certificate.user)


@bp.post("/certificates/<int:certificate_id>/reissue")
@admin_required
def reissue_certificate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back_to(certificate.user)
    try:
        new = service.reissue_certificate(
            certificate, catalogue().courses, current_user, form.reason.data.strip()
        )
    except service.CourseUnavailable:
        flash(
            _("This course is no longer offered, so the certificate cannot be re-issued."), "error"
        )
        return _back_to(certificate.user)
    db.session.commit()
    flash(
        _(
            "Certificate re-issued as %(new)s; %(old)s is revoked.",
            new=new.code,
            old=certificate.code,
        ),
        "success",
    )
    return _back_to(certificate.user)


# Organisations ------------------------------------------------------------------------


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
    existing = _get_or_404(Organisation, organisation_id) if organisation_id else None
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
        merge.into.choices = [(str(o.id), o.name) for o in _organisations() if o.id != existing.id]
    return render_template("admin/organisation.html", form=form, organisation=existing, merge=merge)


@bp.post("/organisations/<int:organisation_id>/merge")
@admin_required
def merge_organisation(organisation_id: int):
    source = _get_or_404(Organisation, organisation_id)
    form = MergeForm()
    form.into.choices = [(str(o.id), o.name) for o in _organisations() if o.id != source.id]
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for(".organisation", organisation_id=source.id), 303)
    target = _get_or_404(Organisation, int(form.into.data))
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


# Trainers' read-only views ------------------------------------------------------------


@bp.get("/quizzes")
@trainer_required
def quizzes():
    return render_template(
        "admin/quizzes.html", summaries=analysis.quiz_summaries(catalogue().courses)
    )


@bp.get("/quizzes/<course_slug>/<quiz_slug>")
@trainer_required
def quiz(course_slug: str, quiz_slug: str):
    course = catalogue().courses.get(course_slug)
    found = course.quiz(quiz_slug) if course else None
    if found is None:
        abort(404)
    return render_template("admin/quiz.html", analysis=analysis.analyse_quiz(course, found))


@bp.get("/content")
@trainer_required
def content():
    return render_template("admin/content.html", status=analysis.content_status(catalogue()))


# Reports ------------------------------------------------------------------------------


def _download_name(stem: str, filters: Filters, extension: str) -> str:
    """A plain ASCII file name: no quoting or path tricks are possible."""
    parts = [stem, dt.date.today().isoformat()]
    if filters.organisation is not None:
        parts.append(f"organisation-{filters.organisation}")
    if filters.enrolled_from:
        parts.append(f"from-{filters.enrolled_from.isoformat()}")
    if filters.enrolled_to:
        parts.append(f"to-{filters.enrolled_to.isoformat()}")
    return "-".join(parts) + "." + extension


def _stream(produce, mimetype: str, filename: str) -> Response:
    """Stream what `produce(connection)` yields, read on a database connection of its own.

    The generator needs no request or app context (the response outlives the view's),
    so it works from whichever thread or context the server reads it, and a dropped
    download closes the connection.
    """
    engine = db.engine

    def generate():
        with engine.connect() as connection:
            yield from produce(connection)

    response = Response(generate(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/completions.csv")
@admin_required
def completions_csv():
    filters = _filter_form().filters()
    service.record_export(current_user, "completions_csv", filters)
    db.session.commit()
    courses = catalogue().courses
    return _stream(
        lambda connection: reports.csv_chunks(
            reports.COMPLETION_COLUMNS, reports.completion_records(courses, filters, connection)
        ),
        "text/csv",
        _download_name("completions", filters, "csv"),
    )


@bp.get("/reports/attempts.csv")
@admin_required
def attempts_csv():
    filters = _filter_form().filters()
    service.record_export(current_user, "attempts_csv", filters)
    db.session.commit()
    courses = catalogue().courses
    return _stream(
        lambda connection: reports.csv_chunks(
            reports.ATTEMPT_COLUMNS, reports.attempt_records(courses, filters, connection)
        ),
        "text/csv",
        _download_name("quiz-attempts", filters, "csv"),
    )


@bp.get("/courses/<course_slug>/certificates.zip")
@admin_required
def certificates_zip(course_slug: str):
    course = catalogue().courses.get(course_slug)
    if course is None:
        abort(404)
    filters = Filters(organisation=_filter_form().filters().organisation)
    service.record_export(current_user, "certificates_zip", filters, course=course.slug)
    db.session.commit()
    return _stream(
        lambda connection: reports.certificate_zip_chunks(course, filters, connection),
        "application/zip",
        _download_name(f"certificates-{course.slug}", filters, "zip"),
    )


# Audit log ----------------------------------------------------------------------------


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action") or None
    page = service.audit_page(action, _page())
    return render_template("admin/audit.html", log=page, action=action)
