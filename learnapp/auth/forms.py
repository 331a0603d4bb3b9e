"""Account forms: shape only; rules live in the service."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from learnapp.auth.names import VisibleName
from learnapp.auth.service import MIN_PASSWORD_LENGTH
from learnapp.forms import Form
from learnapp.i18n import LANGUAGE_NAMES

OTHER = "other"


def new_password_field(label) -> PasswordField:
    """A password being chosen: the length policy, stated up front."""
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
            ),
        ],
        description=_l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
    )


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120), VisibleName()])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    organisation_other = StringField(
        _l("Organisation name (if not in the list)"),
        validators=[Optional(), Length(max=200), VisibleName()],
    )
    password = new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired()],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.organisation.data == OTHER and not (self.organisation_other.data or "").strip():
            self.organisation_other.errors.append(_l("Enter the name of your organisation."))
            return False
        return valid


class ResetPasswordForm(Form):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)])


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password, to confirm"), validators=[DataRequired(), Length(max=1000)]
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class EmailChangeForm(Form):
    email = EmailField(
        _l("New e-mail address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Your password, to confirm"), validators=[DataRequired(), Length(max=1000)]
    )


class RemindersForm(Form):
    reminders = BooleanField(_l("E-mail me a reminder when I leave a course unfinished"))


class ConfirmForm(Form):
    """A button, and the CSRF token that comes with every form."""
