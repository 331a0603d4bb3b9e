"""The base of the app's forms: one shown again after its session expired keeps the input."""

from __future__ import annotations

from flask import g
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField


def keep_input(formdata: MultiDict) -> None:
    """Fill the forms of this request from `formdata` (see errors.handle_csrf)."""
    g.expired_form_input = formdata


class Form(FlaskForm):
    """A FlaskForm that, on a page shown again after an expired session, holds what was typed.

    Never a password, a file or the stale CSRF token: those are asked for again.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            kept = g.get("expired_form_input")
            if kept is None or formdata is not _Auto:
                return super().wrap_formdata(form, formdata)
            hidden = {field.name for field in form if isinstance(field, PasswordField | FileField)}
            hidden.add("csrf_token")
            return MultiDict(
                (name, value) for name, value in kept.items(multi=True) if name not in hidden
            )
