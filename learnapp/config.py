"""Configuration: defaults → instance/config.py → LEARNAPP_* environment → test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "COURSES_DIR": str(PROJECT_ROOT / "courses"),
    "QUIZZES_DIR": str(PROJECT_ROOT / "quizzes"),
    "STATIC_DIR": str(PROJECT_ROOT / "static"),
    "BASE_URL": "http://127.0.0.1:5000",
    "RATELIMIT_STORAGE_URI": "memory://",
    # If Redis is unreachable, count in this process rather than fail the request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # A sliding window: no fresh allowance at the turn of each minute (and no flaky tests).
    "RATELIMIT_STRATEGY": "moving-window",
    "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app (X-Forwarded-For hops)
    "ISSUER": "LearningAlliance — Building Knowledge Across Borders, Geneva",
    "LANGUAGES": ("en", "fr", "ar"),
    "CONTENT_RELOAD_SECONDS": 1.0,
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "learnapp_session",
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,
    "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
    "COMPRESS_STREAMS": False,
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,  # static URLs carry a fingerprint
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
}

# LEARNAPP_<NAME> environment variables that are read (SPEC §4).
ENVIRONMENT_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "COURSES_DIR",
    "QUIZZES_DIR",
    "BASE_URL",
    "RATELIMIT_STORAGE_URI",
    "TRUSTED_PROXIES",
)


def configure(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from the layers, in order of precedence."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key in ENVIRONMENT_KEYS:
        value = os.environ.get(f"LEARNAPP_{key}")
        if value:
            app.config[key] = value
    app.config.update(overrides or {})

    app.config.setdefault("DATABASE_URL", _default_database_url(app))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")


def _default_database_url(app: Flask) -> str:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'learnapp.db'}"


def _instance_secret_key(app: Flask) -> str:
    """Read the generated key from instance/, creating it once (mode 0600)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
