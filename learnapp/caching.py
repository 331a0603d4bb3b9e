"""Revalidation for personal pages: a revisit of an unchanged page costs a 304."""

from __future__ import annotations

import hashlib

from flask import Response, request, session
from flask_babel import get_locale


def personal_etag(*parts: object) -> str:
    """A validator for a page built from `parts` and the visitor's session state."""
    state = (str(get_locale()), session.get("csrf_token"), session.get("_flashes"))
    return hashlib.sha256(repr((parts, state)).encode()).hexdigest()[:32]


def _client_has(etag: str) -> bool:
    # Compression appends ":gzip" or ":br" to the validator the client saw.
    seen = {tag.split(":")[0] for tag in request.if_none_match.as_set()}
    return etag in seen


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this version, else None."""
    if _client_has(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    return None


def revalidate(response: Response, etag: str) -> Response:
    """Mark a personal page as cacheable by this browser only, checked on every visit."""
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
