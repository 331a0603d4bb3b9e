"""Locale choice: the profile, else the visitor's choice, else Accept-Language."""

from flask import Flask, current_app, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


def text_direction(language: str | None) -> str:
    """'rtl' for right-to-left scripts, else 'ltr'."""
    base = (language or "").split("-")[0].lower()
    return "rtl" if base in RTL_LANGUAGES else "ltr"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        format_date=format_date, format_datetime=format_datetime, format_decimal=format_decimal
    )

    @app.context_processor
    def locale_context():
        language = str(get_locale() or "en")
        return {
            "page_lang": language,
            "page_dir": text_direction(language),
            "language_names": LANGUAGE_NAMES,
            "text_direction": text_direction,
        }
