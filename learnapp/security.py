"""Security headers on every response; URLs and forms the database can take."""

import copy
import mimetypes
import time

from flask import Flask, abort, request, session
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask.wrappers import Response
from itsdangerous import BadSignature
from werkzeug.routing import IntegerConverter

from learnapp.dbutil import MAX_ID

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


# Course assets are trainers' files served from the app's own origin: never a document
# that can run script (sandbox: an opaque origin, no scripts, no forms, no dialogs), never
# a script or style the page CSP's 'self' would trust (no such type, and nosniff). Inline
# <style> and data: images are what drawing tools put in an SVG shown by <img>.
ASSET_CONTENT_SECURITY_POLICY = "; ".join(
    ("sandbox", "default-src 'none'", "img-src data:", "style-src 'unsafe-inline'")
)
ASSET_HEADERS = {
    "Content-Security-Policy": ASSET_CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Shown in the browser; every other asset is a download. An SVG is a document that can
# hold script: it displays through <img> (which ignores the disposition), and opened
# directly it is saved, not shown.
SHOWN_ASSET_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "application/pdf",
     "text/plain"}
)  # fmt: skip
DOWNLOAD_TYPE = "application/octet-stream"


def asset_type(filename: str) -> tuple[str, bool]:
    """The MIME type to serve a course asset with, and whether it must be a download.

    Anything that is not a plain image, audio, video, PDF or text file (HTML, XML, SVG,
    JavaScript, CSS, unknown) is an attachment; only SVG keeps its own type, for <img>.
    """
    mimetype, encoding = mimetypes.guess_type(filename, strict=False)
    if mimetype is None or encoding is not None:
        return DOWNLOAD_TYPE, True
    if mimetype in SHOWN_ASSET_TYPES or mimetype.partition("/")[0] in ("audio", "video"):
        return mimetype, False
    if mimetype == "image/svg+xml":
        return mimetype, True
    return DOWNLOAD_TYPE, True


def lock_down_asset(response: Response) -> Response:
    """Set the course asset headers, whatever the status (a 304 too)."""
    response.headers.update(ASSET_HEADERS)
    return response


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own value."""
    # One pass over the headers there are: a missing name looked up in werkzeug's Headers
    # raises and catches an exception, which cost more than the rest of /healthz.
    present = {name.lower() for name, _ in response.headers.items()}
    response.headers.extend(
        (name, value) for name, value in HEADERS.items() if name.lower() not in present
    )
    if request.is_secure and "strict-transport-security" not in present:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if "_user_id" in session and "cache-control" not in present:
        # A signed-in visitor's page holds personal data: kept by no cache, not even the
        # browser's, unless the view chose otherwise (lessons revalidate: private, no-cache).
        response.headers["Cache-Control"] = "no-store"
    return response


def refuse_nul_characters() -> None:
    """Answer 400 to a NUL character in the path, query or form: nobody types one."""
    # PostgreSQL text cannot hold NUL: a query with one would end in a server error.
    query = request.query_string
    plain = b"%00" not in query and b"\x00" not in query and "\x00" not in request.path
    if request.method != "POST" and plain:
        return  # the common case, decided without parsing the query (%00 is its only NUL)
    fields = [*request.args.lists()]
    if request.method == "POST":
        fields += request.form.lists()
    texts = [request.path, *(key for key, _ in fields), *(v for _, vs in fields for v in vs)]
    if any("\x00" in text for text in texts):
        abort(400)


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in routes: a number beyond a database integer matches no route (404).

    Otherwise /admin/learners/99999999999999999999 reaches the database and fails there
    (SQLite: integer overflow; PostgreSQL: out of range for type integer).
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


# Requests that need no visitor: their cookie is not even verified, no user is loaded, no
# cookie is sent back. (Static files are served before Flask, by WhiteNoise: assets.py.)
SESSIONLESS_PATHS = frozenset({"/healthz"})


_IMMUTABLE = (str, int, float, bool, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, not opened for SESSIONLESS_PATHS.

    A cookie this worker has verified is not verified again until it expires: checking the
    signature (key derivation and HMAC) was the largest part of an anonymous page's cost.
    """

    MAX_VERIFIED = 4096  # cookies remembered per worker; then the store starts again

    def __init__(self) -> None:
        self.verified: dict[str, tuple[dict, float]] = {}

    def open_session(self, app: Flask, request):
        if request.path in SESSIONLESS_PATHS:
            return NullSession()
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:  # no secret key: no serializer, a null session
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self.verified.get(cookie)
        if known is None or time.time() - known[1] > max_age:
            serializer = self.get_signing_serializer(app)
            try:
                data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(self.verified) >= self.MAX_VERIFIED:
                self.verified.clear()
            known = self.verified[cookie] = (data, signed_at.timestamp())
        # A copy: a request may change the session's lists and dicts in place (flash()).
        return self.session_class(
            {
                key: value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
                for key, value in known[0].items()
            }
        )


def init_app(app: Flask) -> None:
    """Check requests, set the headers on every response, bound `<int:…>` route parts."""
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
