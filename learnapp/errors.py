"""Friendly error pages, never a traceback."""

import contextlib
import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, render_template, request, session
from flask.sessions import NullSession
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import RequestRedirect

from learnapp import forms
from learnapp.dbutil import cannot_save
from learnapp.extensions import db

log = logging.getLogger(__name__)


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
    503: (
        _l("We cannot save right now"),
        _l("We cannot save right now; nothing you did was lost, try again in a moment."),
    ),
}
RETRY_SECONDS = 30


def render_error(error: HTTPException):
    code = error.code or 500
    title, default = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    detail = error.description if isinstance(error.description, DomainMessage) else default
    if isinstance(session, NullSession):  # a sessionless path: no page, which needs a session
        return Response(f"{code} {title}\n", code, mimetype="text/plain")
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


EXPIRED = _l("Your session expired — please try again.")


def handle_csrf(error: CSRFError):
    """A form sent without a valid token (its session expired): ask again, keep the input.

    Always a 400, and nothing is submitted: the page at the posted URL is shown again by
    its GET view, its forms holding what was typed except passwords and files. A button
    with no page of its own (enrol, log out) gets the message and a link back to its page.
    """
    if request.method == "POST" and (view := _get_view()) is not None:
        flash(EXPIRED, "error")
        forms.keep_input(request.form)
        request.method = "GET"  # the GET view only shows the page
        try:
            response = current_app.make_response(view())
        except HTTPException:
            response = None
        if response is not None and response.status_code == 200:
            response.status_code = 400
            return response
        _discard_flash(EXPIRED)  # shown below instead
        back = request.path  # e.g. a login is needed first: the page itself will ask
    else:
        back = _page_sent_from()
    title = _l("Session expired")
    return render_template(
        "errors/error.html", code=400, title=title, detail=EXPIRED, back=back
    ), 400


def handle_database_error(error: DBAPIError):
    """A full disk or a read-only database is a 503 "try again", not a 500; the rest re-raises."""
    if not cannot_save(error):
        raise error
    log.warning("the database cannot save: %s", error.orig)
    with contextlib.suppress(DBAPIError):  # the page may still read (the user, the menu)
        db.session.rollback()
    title, detail = MESSAGES[503]
    page = render_template("errors/error.html", code=503, title=title, detail=detail)
    return page, 503, {"Retry-After": str(RETRY_SECONDS)}


def handle_untrusted_host(error: SecurityError) -> Response:
    """A Host header not in TRUSTED_HOSTS: no link can be built on it, so a page without any."""
    message = _("This site does not answer to that address.")
    return Response(f"{MESSAGES[400][0]}: {message}\n", 400, mimetype="text/plain")


def _discard_flash(message) -> None:
    session["_flashes"] = [f for f in session.get("_flashes", []) if f[1] != message]


def _get_view():
    """The view showing the page at the posted URL (the same route, for GET), or None."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, args = adapter.match(method="GET", return_rule=True)
    except (HTTPException, RequestRedirect):
        return None
    if request.url_rule is None or rule.rule != request.url_rule.rule:
        return None  # /courses/x/enrol is no lesson called "enrol"
    view = current_app.view_functions[rule.endpoint]
    return lambda: view(**args)


def _page_sent_from() -> str | None:
    """The path of the referring page on this site, if any."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, render_error)
