"""Security headers on every response; URLs and forms the database can take."""

from flask import Flask, abort, request, session
from flask.wrappers import Response
from werkzeug.routing import IntegerConverter

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


def add_security_headers(response: Response) -> Response:
    """Set the headers unless a view chose its own value."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "_user_id" in session:
        # A signed-in visitor's page holds personal data: kept by no cache, not even the
        # browser's, unless the view chose otherwise (lessons revalidate: private, no-cache).
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def refuse_nul_characters() -> None:
    """Answer 400 to a NUL character in the path, query or form: nobody types one."""
    # PostgreSQL text cannot hold NUL: a query with one would end in a server error.
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

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Check requests, set the headers on every response, bound `<int:…>` route parts."""
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
