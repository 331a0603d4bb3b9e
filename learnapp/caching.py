"""Revalidation for personal pages (a revisit of an unchanged page costs a 304), and the
pages every anonymous visitor of a language sees alike, rendered once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable

from flask import Flask, Response, current_app, g, get_template_attribute, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from learnapp.i18n import LANGUAGE_NAMES


def init_app(app: Flask) -> None:
    app.add_template_global(site_chrome)


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


# Shared pages -----------------------------------------------------------------------

# Stands for the visitor's CSRF token in a stored page; put back per request.
TOKEN_SLOT = "{{csrf-token-slot-5e0c1b}}"
MAX_SHARED_PAGES = 512  # then the store starts again (a flood of ?lang= variants, say)
SHARED_QUERY = frozenset({"lang"})


def shared_page(version: Hashable, render: Callable[[], str]) -> str:
    """The page `render()` makes, rendered once per worker for all anonymous visitors.

    The key is the URL, the UI language, the course languages this visitor chose and
    `version` (the content shown); the one per-visitor part, the CSRF token, is taken out
    of the stored page and the visitor's own put in. Signed-in users, a visitor with a
    message to show, or a URL with unknown query parameters get `render()` itself.
    """
    # "_user_id" rather than current_user: an anonymous hit then loads no user at all.
    if "_user_id" in session or "_flashes" in session or not SHARED_QUERY.issuperset(request.args):
        return render()
    key = (
        request.full_path,
        str(get_locale()),
        tuple(sorted(session.get("reading", {}).items())),
        version,
    )
    pages = current_app.extensions.setdefault("learnapp.shared_pages", {})
    if (stored := pages.get(key)) is not None:
        return stored.replace(TOKEN_SLOT, _visitor_token())
    token = _visitor_token()  # the visitor's: the same one render() puts in
    page = render()
    if len(pages) >= MAX_SHARED_PAGES:
        pages.clear()
    pages[key] = page.replace(token, TOKEN_SLOT)
    return page


def _visitor_token() -> str:
    """The visitor's CSRF token, signed once per worker and session rather than per page
    (an HMAC): while tokens do not expire (WTF_CSRF_TIME_LIMIT None), any signed one holds.
    It becomes this request's token, so every form of the page carries the same one."""
    if current_app.config["WTF_CSRF_TIME_LIMIT"] is not None or "csrf_token" not in session:
        return generate_csrf()
    tokens = current_app.extensions.setdefault("learnapp.csrf_tokens", {})
    if (token := tokens.get(session["csrf_token"])) is None:
        if len(tokens) >= MAX_SHARED_PAGES * 8:
            tokens.clear()
        token = tokens[session["csrf_token"]] = generate_csrf()
    return g.setdefault("csrf_token", token)  # where generate_csrf() looks first


# The site's header and footer ---------------------------------------------------------

# Stands for the page's own path (the language switcher comes back to it); put back per request.
PATH_SLOT = "{{page-path-slot-9a41d7}}"


def site_chrome(part: str) -> Markup:
    """The header or the footer (`part`) of base.html, rendered once per worker for each UI
    language and kind of visitor (anonymous, or the role: what the header shows); the
    visitor's CSRF token and the page's path are put in per request."""
    language = str(get_locale())
    who = current_user.role if current_user.is_authenticated else None
    key = (part, request.script_root, language, who)
    store = current_app.extensions.setdefault("learnapp.chrome", {})
    if (html := store.get(key)) is None:
        macro = get_template_attribute("_chrome.html", part)
        if part == "header":
            html = str(macro(current_user, TOKEN_SLOT))
        else:
            html = str(macro(language, LANGUAGE_NAMES, TOKEN_SLOT, PATH_SLOT))
        if len(store) >= MAX_SHARED_PAGES:
            store.clear()
        store[key] = html
    if TOKEN_SLOT in html:
        html = html.replace(TOKEN_SLOT, _visitor_token())
    if PATH_SLOT in html:
        path = request.full_path if request.query_string else request.path
        html = html.replace(PATH_SLOT, escape(path))
    return Markup(html)
