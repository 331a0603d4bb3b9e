"""Register, log in, log out, choose a language."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from learnapp.auth import service
from learnapp.auth.forms import (
    OTHER,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    RemindersForm,
    ResetPasswordForm,
)
from learnapp.extensions import db, limiter, login_manager
from learnapp.mail import service as mail
from learnapp.models import Enrolment, Organisation

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = None  # sessions are revocable server-side instead


# Pages that need of the logged-in user only who they are (id, role, language): their
# user is read as a plain row (auth.service.SessionUser), which costs the lesson page and
# "Mark complete", the hottest ones, much less than the User model. The session is checked
# on every request alike.
WHO_ONLY_PAGES = frozenset({"progress.lesson", "progress.complete"})


@login_manager.user_loader
def load_user(session_key: str):
    if request.endpoint in WHO_ONLY_PAGES:
        return service.session_user(session_key)
    return service.load_session(session_key)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login, or None when it would leave the site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login(user) -> None:
    session.clear()  # a new session at login: nothing from before survives
    service.start_session(user)
    db.session.commit()
    login_user(user)


def _failed(response) -> bool:
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user:
            _login(user)
            return redirect(safe_next(request.args.get("next")) or url_for("catalogue.index"), 303)
        form.password.errors.append(_("E-mail or password is not right."))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    organisations = db.session.scalars(
        db.select(Organisation).where(~Organisation.pending).order_by(Organisation.name)
    ).all()
    form.organisation.choices = [
        SelectChoice("", _("Choose…")),
        *(SelectChoice(str(o.id), o.name) for o in organisations),
        SelectChoice(OTHER, _("Other (type it below)")),
    ]
    if request.method == "GET":
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            user = service.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                organisation=_chosen_organisation(form),
                language=form.language.data,
            )
        except (service.EmailTaken, IntegrityError):  # a racing twin registration
            db.session.rollback()
            form.email.errors.append(
                _("An account with this e-mail already exists. Log in instead.")
            )
        else:
            _login(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("catalogue.index"), 303)
    return render_template("auth/register.html", form=form)


def _chosen_organisation(form: RegisterForm) -> Organisation:
    if form.organisation.data == OTHER:
        return service.find_or_create_organisation(form.organisation_other.data, pending=True)
    organisation = db.session.get(Organisation, int(form.organisation.data))
    if organisation is None or organisation.pending:
        abort(400)
    return organisation


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        service.end_session(current_user.session_key)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("catalogue.index"), 303)


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("catalogue.index"), 303)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    """Set a new password with a one-time link an administrator passed on."""
    try:
        reset = service.reset_for_token(token)
    except service.InvalidResetLink:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data)
        except service.InvalidResetLink:
            db.session.rollback()
            return render_template("auth/reset_invalid.html"), 404
        db.session.commit()
        flash(_("Your new password is set. Log in with it."), "success")
        return redirect(url_for("auth.login"), 303)
    response = current_app.make_response(
        render_template("auth/reset_password.html", form=form, user=reset.user)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


FORGOT_SECONDS = 0.5  # every answer takes this long, so timing tells no address apart


def _address_key() -> str:
    return "forgot:" + request.form.get("email", "").strip().lower()[:254]


def _link(endpoint: str):
    return lambda token: mail.absolute(url_for(endpoint, token=token))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_address_key)
def forgot_password():
    """A reset link by e-mail; the same answer whether an account has the address or not."""
    form = ForgotPasswordForm()
    if mail.configured() and form.validate_on_submit():
        started = time.monotonic()
        service.send_reset_link(form.email.data, _link("auth.reset_password"))
        db.session.commit()
        time.sleep(max(0.0, FORGOT_SECONDS - (time.monotonic() - started)))
        return render_template("auth/forgot_password.html", form=form, sent=True)
    return render_template("auth/forgot_password.html", form=form, configured=mail.configured())


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def welcome(token: str):
    """An invitation's link: choose a password, then land in the course."""
    hours = service.INVITE_DAYS * 24
    try:
        reset = service.reset_for_token(token, hours)
    except service.InvalidResetLink:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.reset_password(token, form.password.data, hours)
        except service.InvalidResetLink:
            db.session.rollback()
            return render_template("auth/reset_invalid.html"), 404
        _login(user)
        course = db.session.scalar(
            db.select(Enrolment.course_slug)
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.id)
            .limit(1)
        )
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        if course:
            return redirect(url_for("catalogue.course", course_slug=course), 303)
        return redirect(url_for("catalogue.index"), 303)
    response = current_app.make_response(
        render_template("auth/reset_password.html", form=form, user=reset.user, welcome=True)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/account")
@login_required
def account():
    return _account_page()


def _account_page(
    change: ChangePasswordForm | None = None,
    delete: DeleteAccountForm | None = None,
    email: EmailChangeForm | None = None,
    status: int = 200,
):
    reminders = RemindersForm(prefix="reminders")
    reminders.reminders.data = not current_user.reminders_off
    return render_template(
        "auth/account.html",
        change=change or ChangePasswordForm(prefix="change"),
        delete=delete or DeleteAccountForm(prefix="delete"),
        email=email or EmailChangeForm(prefix="email"),
        reminders=reminders,
        mail_configured=mail.configured(),
    ), status


@bp.post("/account/email")
@login_required
@limiter.limit("10 per hour")
def change_email():
    """Send a confirmation link to the new address."""
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            service.request_email_change(
                current_user, form.password.data, form.email.data, _link("auth.confirm_email")
            )
        except service.WrongPassword:
            form.password.errors.append(_("This is not your current password."))
        except service.EmailTaken:
            form.email.errors.append(_("Another account uses this e-mail address."))
        else:
            db.session.commit()
            flash(
                _("We sent a link to %(email)s: open it to confirm the new address.",
                  email=form.email.data.strip()),
                "success",
            )  # fmt: skip
            return redirect(url_for(".account"), 303)
    return _account_page(email=form, status=422)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm_email(token: str):
    """The link sent to the new address: one click on the button makes the change."""
    try:
        user, new = service.email_change_of(token)
    except service.InvalidEmailChange:
        return render_template("auth/email_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.confirm_email_change(token)
            db.session.commit()
        except (service.InvalidEmailChange, service.EmailTaken, IntegrityError):
            db.session.rollback()
            return render_template("auth/email_invalid.html"), 404
        flash(_("Your e-mail address is now %(email)s.", email=new), "success")
        return redirect(url_for(".account" if current_user.is_authenticated else ".login"), 303)
    return render_template("auth/confirm_email.html", form=form, user=user, new=new)


@bp.post("/account/reminders")
@login_required
def reminders():
    form = RemindersForm(prefix="reminders")
    if form.validate_on_submit():
        service.set_reminders(current_user, form.reminders.data)
        db.session.commit()
        if form.reminders.data:
            flash(_("Reminder e-mails are on."), "success")
        else:
            flash(_("Reminder e-mails are off."), "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/password")
@login_required
@limiter.limit("10 per hour")
def change_password():
    form = ChangePasswordForm(prefix="change")
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current.data, form.password.data)
        except service.WrongPassword:
            form.current.errors.append(_("This is not your current password."))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the cookie gets the new key
            flash(_("Your password is changed. Your other sessions have ended."), "success")
            return redirect(url_for(".account"), 303)
    return _account_page(change=form, status=422)


@bp.post("/account/delete")
@login_required
@limiter.limit("10 per hour")
def delete_account():
    form = DeleteAccountForm(prefix="delete")
    if form.validate_on_submit():
        try:
            service.delete_account(current_user, form.password.data)
        except service.WrongPassword:
            form.password.errors.append(_("This is not your current password."))
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Thank you for learning with us."), "success")
            return redirect(url_for("catalogue.index"), 303)
    return _account_page(delete=form, status=422)
