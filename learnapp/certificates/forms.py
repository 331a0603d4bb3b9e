"""Verification forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from learnapp.credentials.verify import MAX_BYTES
from learnapp.forms import Form


class VerifyForm(Form):
    code = StringField(
        _l("Certificate code"),
        validators=[Optional(), Length(max=64)],
        description=_l("For example LA-7Q3K-M2XH-9PRT-4D6W-ZC8N"),
    )
    pdf = FileField(
        _l("Or upload the certificate PDF"),
        validators=[Optional(), FileAllowed(["pdf"], _l("Upload a PDF file."))],
    )
    credential = TextAreaField(
        _l("Or paste an Open Badges credential (JSON)"),
        validators=[
            Optional(),
            Length(
                max=MAX_BYTES, message=_l("This credential is too large: we check up to 64 KB.")
            ),
        ],
        description=_l("The file you downloaded for your wallet, or its text."),
        render_kw={"rows": 4, "spellcheck": "false", "dir": "ltr"},
    )
    credential_file = FileField(
        _l("Or upload the credential file"),
        validators=[Optional(), FileAllowed(["json"], _l("Upload a JSON file."))],
        render_kw={"accept": ".json,application/json"},
    )


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
