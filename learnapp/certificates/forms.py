"""Verification forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class VerifyForm(FlaskForm):
    code = StringField(
        _l("Certificate code"),
        validators=[Optional(), Length(max=64)],
        description=_l("For example LA-7Q3K-M2XH-9PRT-4D6W-ZC8N"),
    )
    pdf = FileField(
        _l("Or upload the certificate PDF"),
        validators=[Optional(), FileAllowed(["pdf"], _l("Upload a PDF file."))],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
