"""Locale choice: the profile, else the visitor's choice, else Accept-Language."""

import datetime as dt

from babel.dates import get_datetime_format
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_decimal, format_time, get_locale, get_translations
from flask_login import current_user

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line: messages in the default language
        return languages[0]
    # "_user_id" first: a visitor who has not signed in loads no user for it.
    if (
        "_user_id" in session
        and current_user.is_authenticated
        and current_user.language in languages
    ):
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


def text_direction(language: str | None) -> str:
    """'rtl' for right-to-left scripts, else 'ltr'."""
    base = (language or "").split("-")[0].lower()
    return "rtl" if base in RTL_LANGUAGES else "ltr"


def medium_date(value: dt.date | dt.datetime | None, time: bool = False) -> str:
    """The UI's one date format: the locale's medium date (`Mar 14, 2026`, `14 mars 2026`).

    With `time`, a datetime also gets the locale's short time, joined the locale's way.
    Every page uses this (the `date` template filter); CSV files keep ISO dates.
    """
    if value is None:
        return ""
    day = format_date(value, "medium")
    if not time or not isinstance(value, dt.datetime):
        return day
    pattern = get_datetime_format("medium", locale=get_locale())
    return pattern.replace("{1}", day).replace("{0}", format_time(value, "short"))


def translations():
    """The translations of this request's locale, found once per request: a page calls
    `_()` a dozen times, and flask-babel looks them up again on each call. Kept where
    flask-babel keeps its per-request state, in the attribute its `refresh()` and
    `force_locale()` reset, so a locale changed mid-request is followed."""
    if not g:  # no application context: flask-babel's own answer
        return get_translations()
    state = g.get("_flask_babel")
    found = getattr(state, "babel_translations", None)
    if found is None:
        found = get_translations()
        g._flask_babel.babel_translations = found  # the state exists once it has looked
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(format_decimal=format_decimal, language_names=LANGUAGE_NAMES)
    app.jinja_env.filters["date"] = medium_date

    @app.context_processor
    def locale_context():
        language = str(get_locale() or "en")
        return {
            "page_lang": language,
            "page_dir": text_direction(language),
            "text_direction": text_direction,
        }
