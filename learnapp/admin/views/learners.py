"""Learners: the list, one learner, account actions, certificates (revoke, re-issue)."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnapp import completion
from learnapp.admin import reports, service
from learnapp.admin.forms import (
    SORTS,
    AccountForm,
    InviteForm,
    LearnerFilterForm,
    ReasonForm,
    organisation_choices,
)
from learnapp.admin.reports import NO_ORGANISATION
from learnapp.admin.views import bp
from learnapp.admin.views.common import (
    all_organisations,
    filter_form,
    filters_status,
    flash_form_errors,
    get_or_404,
    in_scope,
    page_number,
)
from learnapp.auth import service as accounts
from learnapp.auth.names import InvalidName
from learnapp.auth.roles import admin_required, reports_required
from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.models import Certificate, Organisation, User


@bp.get("/learners")
@reports_required
def learners():
    courses = catalogue().courses
    form = filter_form(LearnerFilterForm)
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
        page=page_number(),
    )
    args = {key: value for key, value in request.args.items() if value and key != "page"}
    return render_template(
        "admin/learners.html",
        form=form,
        result=result,
        sort=sort,
        descending=descending,
        args=args,
    ), filters_status(form)


@bp.get("/learners/<int:user_id>")
@reports_required
def learner(user_id: int):
    user = _user_or_404(user_id)
    account = AccountForm(
        formdata=None,
        role=str(user.role),
        organisation=str(user.organisation_id) if user.organisation_id else NO_ORGANISATION,
        manages=[str(o.id) for o in user.managed_organisations],
    )
    _account_choices(account)
    return render_template(
        "admin/learner.html",
        detail=service.learner_detail(user, catalogue().courses),
        account=account,
        courses=catalogue().courses,
    )


@bp.post("/learners/<int:user_id>/account")
@admin_required
def change_account(user_id: int):
    user = _user_or_404(user_id)
    form = AccountForm()
    organisations = _account_choices(form)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back_to(user)
    organisation = (
        None
        if form.organisation.data == NO_ORGANISATION
        else get_or_404(Organisation, int(form.organisation.data))
    )
    try:
        done = service.change_account(
            user, current_user, role=form.role.data, organisation=organisation,
            reason=form.reason.data.strip(),
            manages=[o for o in organisations if str(o.id) in set(form.manages.data or ())],
        )  # fmt: skip
    except service.SelfLockout:
        flash(_("You cannot change your own role. Ask another administrator."), "error")
        return _back_to(user)
    db.session.commit()
    flash(_("Account updated.") if done else _("Nothing was changed."), "success")
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


@bp.route("/learners/invite", methods=["GET", "POST"])
@admin_required
def invite():
    """Invite a person by e-mail: an account without a password, enrolled in a course."""
    form = InviteForm()
    courses = {s: c for s, c in catalogue().courses.items() if c.status == "published"}
    form.course.choices = [(slug, course.title) for slug, course in courses.items()]
    organisations = all_organisations()
    form.organisation.choices = organisation_choices(organisations, None)
    if request.method == "GET":
        form.language.data = current_user.language
    if form.validate_on_submit():
        chosen = form.organisation.data
        organisation = next((o for o in organisations if str(o.id) == chosen), None)
        try:
            user = service.invite(
                email=form.email.data,
                name=form.name.data,
                organisation=organisation,
                course=courses[form.course.data],
                language=form.language.data,
                actor=current_user,
                link=lambda token: mail.absolute(url_for("auth.welcome", token=token)),
            )
        except accounts.EmailTaken:
            db.session.rollback()
            form.email.errors.append(_("An account with this e-mail already exists."))
        except InvalidName as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for(".learner", user_id=user.id), 303)
    return render_template(
        "admin/invite.html", form=form, mail_configured=mail.configured()
    ), 422 if form.errors else 200


@bp.post("/learners/<int:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    user = _user_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
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
        flash_form_errors(form)
    return _back_to(certificate.user)


@bp.post("/certificates/<int:certificate_id>/reissue")
@admin_required
def reissue_certificate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back_to(certificate.user)
    try:
        new = service.reissue_certificate(
            certificate,
            catalogue().courses,
            current_user,
            form.reason.data.strip(),
            completion.settings(),
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


def _reason_action(user_id: int, action, success: str):
    user = _user_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back_to(user)
    try:
        action(user, current_user, form.reason.data.strip())
    except service.SelfLockout:
        flash(_("You cannot deactivate your own account."), "error")
        return _back_to(user)
    db.session.commit()
    flash(success, "success")
    return _back_to(user)


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = get_or_404(Certificate, certificate_id)
    if certificate.user is None:
        abort(404)
    return certificate


def _account_choices(form: AccountForm) -> list[Organisation]:
    organisations = all_organisations()
    form.organisation.choices = organisation_choices(organisations, None)
    form.manages.choices = [(str(o.id), o.name) for o in organisations]
    return organisations


def _user_or_404(user_id: int) -> User:
    """The person, if the viewer may see them (a manager only their organisations')."""
    user = get_or_404(User, user_id)
    if not in_scope(user):
        abort(404)
    return user


def _back_to(user: User):
    return redirect(url_for(".learner", user_id=user.id), 303)
