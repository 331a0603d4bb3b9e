"""Configuration: defaults → instance/config.py → LEARNAPP_* environment → test overrides."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import socket
import types
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # not imported at run time: `learnapp courses check` reads settings() only
    from flask import Flask

    from learnapp.content.loader import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEFAULTS = {
    "COURSES_DIR": str(PROJECT_ROOT / "courses"),
    "QUIZZES_DIR": str(PROJECT_ROOT / "quizzes"),
    "STATIC_DIR": str(PROJECT_ROOT / "static"),
    # Counted in the app's database (learnapp/ratelimit.py), so the limits hold across
    # workers and nodes; redis://… takes that traffic off the database.
    "RATELIMIT_STORAGE_URI": "database://",
    # If the storage is unreachable, count in this process rather than fail the request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # A sliding window: no fresh allowance at the turn of each minute (and no flaky tests).
    "RATELIMIT_STRATEGY": "moving-window",
    "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app (X-Forwarded-For hops)
    "ISSUER": "LearningAlliance — Building Knowledge Across Borders, Geneva",
    "LANGUAGES": ("en", "fr", "ar"),
    "CONTENT_RELOAD_SECONDS": 1.0,
    # /healthz asks the database at most this often per worker (learnapp/health.py).
    "HEALTHZ_CACHE_SECONDS": 3.0,
    # Overrides of content.loader.Limits (bytes, nesting, render seconds per course...).
    "CONTENT_LIMITS": {},
    # The offline course PDF is built in a child process with these caps (progress/book.py).
    "BOOK_MEMORY_BYTES": 1024 * 1024 * 1024,
    "BOOK_SECONDS": 60.0,
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # No pool_pre_ping: a connection idle for a while is tested at checkout (extensions.py).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "learnapp_session",
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,
    "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
    "COMPRESS_STREAMS": False,
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,  # static URLs carry a fingerprint
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    # smtp://user:pass@host:587?starttls=1 or smtps://…; empty: nothing is sent, the
    # outbox still records each message (learnapp/mail).
    "MAIL_URL": "",
    # The LRS's xAPI endpoint, e.g. https://lrs.example.org/xAPI/ (learnapp/xapi); empty:
    # no statement is recorded.
    "XAPI_ENDPOINT": "",
    "XAPI_USERNAME": "",
    "XAPI_PASSWORD": "",
    # Bulk-import uploads kept between preview and confirmation (default: instance/imports).
    "IMPORTS_DIR": "",
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
    "TRUSTED_HOSTS",
    "MAIL_URL",
    "MAIL_FROM",
    "ISSUER_KEY",
    "ISSUER_PREVIOUS_KEYS",
    "XAPI_ENDPOINT",
    "XAPI_USERNAME",
    "XAPI_PASSWORD",
)
# `learnapp serve` binds these (HOST and PORT in the environment, as `make run` passes them).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000
ALL_INTERFACES = ("0.0.0.0", "::", "[::]", "")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def settings(instance_path: str | os.PathLike, overrides: dict | None = None) -> dict:
    """The configured values, in order of precedence, before those derived from them."""
    values = dict(DEFAULTS)
    values |= _instance_config(Path(instance_path) / "config.py")
    for key in ENVIRONMENT_KEYS:
        value = os.environ.get(f"LEARNAPP_{key}")
        if value:
            values[key] = value
    return values | (overrides or {})


def _instance_config(path: Path) -> dict:
    """The upper-case names that instance/config.py sets (as Flask's from_pyfile reads it)."""
    try:
        source = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    module = types.ModuleType("config")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)
    return {key: value for key, value in vars(module).items() if key.isupper()}


def configure(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from the layers, then the values derived from them."""
    app.config.update(settings(app.instance_path, overrides))

    host, port = served_address()
    if not app.config.get("BASE_URL"):
        # Unset: the address actually served, so links printed on certificates work there.
        app.config["BASE_URL"] = served_url(host, port)
        app.config["BASE_URL_DERIVED"] = True
    app.config["TRUSTED_HOSTS"] = trusted_hosts(
        app.config["BASE_URL"], host, app.config.get("TRUSTED_HOSTS")
    )

    if not app.config.get("MAIL_FROM"):
        domain = urlsplit(app.config["BASE_URL"]).hostname or "localhost"
        app.config["MAIL_FROM"] = (
            f"LearnApp <learnapp@{'localhost' if is_loopback(domain) else domain}>"
        )
    app.config.setdefault("DATABASE_URL", _default_database_url(app))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)
    if not app.config.get("ISSUER_KEY"):
        app.config["ISSUER_KEY"] = _instance_issuer_key(app)
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")


def content_limits(values: Mapping) -> Limits:
    """The content limits, with any set in `CONTENT_LIMITS` (e.g. instance/config.py)."""
    from learnapp.content.loader import Limits

    return Limits(**values.get("CONTENT_LIMITS", {}))


def served_address() -> tuple[str, int]:
    """The host and port `learnapp serve` binds: HOST and PORT, else 127.0.0.1:5000."""
    return os.environ.get("HOST") or DEFAULT_HOST, int(os.environ.get("PORT") or DEFAULT_PORT)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def served_url(host: str, port: int) -> str:
    """http://host:port; on all interfaces, this machine's name stands for the host."""
    if host in ALL_INTERFACES:
        host = socket.gethostname()
    return f"http://{_url_host(host)}:{port}"


def trusted_hosts(base_url: str, served_host: str, extra: str | list | None) -> list[str]:
    """Host names requests may carry: the base URL's, the served one, loopback, the extra ones.

    Any other Host (or X-Forwarded-Host) header gets 400, so no link or redirect can be
    built on an address an attacker chose.
    """
    if isinstance(extra, str):
        extra = re.split(r"[\s,]+", extra)
    names = [urlsplit(base_url).hostname or "", *LOOPBACK_HOSTS, *(extra or ())]
    if served_host in ALL_INTERFACES:
        names.append(socket.gethostname())
    else:
        names.append(served_host)
    found = []
    for name in names:
        name = _url_host(name.strip().lower())
        if name and name not in ALL_INTERFACES and name not in found:
            found.append(name)
    return found


def is_loopback(host: str) -> bool:
    """localhost, 127.x.x.x or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _default_database_url(app: Flask) -> str:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'learnapp.db'}"


def _instance_issuer_key(app: Flask) -> str:
    """The credential signing key generated in instance/ (see credentials/keys.py)."""
    from learnapp.credentials import keys  # cryptography: only when the key is read

    return keys.load_or_create(app.instance_path)


def _instance_secret_key(app: Flask) -> str:
    """Read the generated key from instance/, creating it once (mode 0600)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
