"""Friendly error pages, never a traceback."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainMessage(str):
    """An error description written for the user: shown instead of the generic text."""


MESSAGES = {
    400: (_l("Bad request"), _l("The form or address was not understood. Please try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("We could not find that page. Check the address.")),
    405: (_l("Not allowed"), _l("That action is not possible on this page.")),
    409: (_l("Not possible now"), _l("That action is not possible on this page.")),
    413: (_l("Too large"), _l("The file you sent is too large.")),
    429: (_l("Too many requests"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("We have been told about it. Please try again later.")),
}


def render_error(error: HTTPException):
    code = error.code or 500
    title, default = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    detail = error.description if isinstance(error.description, DomainMessage) else default
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def handle_csrf(error: CSRFError):
    return render_template(
        "errors/error.html",
        code=400,
        title=MESSAGES[400][0],
        detail=_l("The form had expired or was tampered with. Please go back and try again."),
    ), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, render_error)
