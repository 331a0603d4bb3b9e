"""`learnapp doctor`: is this node ready to serve? Every check says what to fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flask import Flask
from sqlalchemy import text

from learnapp.certificates.render import harfbuzz_subset_available
from learnapp.extensions import db

Status = Literal["ok", "warning", "failure"]

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# The faces the certificate template loads (templates/certificates/certificate.html).
CERTIFICATE_FONTS = (
    "NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoNaskhArabic-Regular.ttf",
)
HARFBUZZ_MISSING = (
    "libharfbuzz-subset0 is missing: WeasyPrint falls back to fontTools and every "
    "certificate takes about 8 times as long to render"
)
HARFBUZZ_FIX = "install it: `apt-get install libharfbuzz-subset0` (Debian/Ubuntu)"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def run_checks(app: Flask) -> list[Check]:
    """Every check, in the order an operator would fix them (call in an app context)."""
    database = check_database(app)
    checks = [database, check_migrations(app) if database.status == "ok" else _skipped()]
    checks += [
        check_secret_key(app),
        check_base_url(app),
        check_fonts(app),
        check_harfbuzz(),
        check_pdf_renderer(),
        check_content(app),
        check_rate_limit_storage(app),
    ]
    return checks


def report(checks: list[Check]) -> str:
    """The checks as lines to print, then a one-line verdict."""
    labels = {"ok": "ok", "warning": "WARNING", "failure": "FAILED"}
    lines = []
    for check in checks:
        lines.append(f"{labels[check.status]:8} {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"{'':8}   fix: {check.fix}")
    failures = sum(c.status == "failure" for c in checks)
    warnings = sum(c.status == "warning" for c in checks)
    if failures:
        lines.append(f"{failures} problem(s) to fix before serving, {warnings} warning(s).")
    else:
        lines.append(f"Ready to serve; {warnings} warning(s).")
    return "\n".join(lines)


def check_database(app: Flask) -> Check:
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure to connect is the finding
        message = str(error).strip().splitlines()[0][:200]
        return Check(
            "database",
            "failure",
            f"{url} does not answer ({message})",
            "check LEARNAPP_DATABASE_URL, that the server runs and that this node may connect",
        )
    return Check("database", "ok", f"{url} answers")


def _skipped() -> Check:
    return Check("migrations", "failure", "not checked: the database does not answer")


def check_migrations(app: Flask) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    fix = "run `learnapp db upgrade` (back up the database first)"
    if current == heads:
        return Check("migrations", "ok", f"at the latest revision ({', '.join(sorted(heads))})")
    if not current:
        return Check("migrations", "failure", "the database has no tables yet", fix)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if not current <= known:
        return Check(
            "migrations",
            "failure",
            f"the database is at {', '.join(sorted(current))}, which this code does not know "
            "(a newer release migrated it)",
            "deploy the same release on every node",
        )
    return Check(
        "migrations",
        "failure",
        f"the database is at {', '.join(sorted(current))}; the code expects "
        f"{', '.join(sorted(heads))}",
        fix,
    )


def check_secret_key(app: Flask) -> Check:
    key = app.config.get("SECRET_KEY") or ""
    generated = Path(app.instance_path) / "secret_key"
    several_nodes = str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis")
    fix = (
        "set LEARNAPP_SECRET_KEY to the same random value on every node, e.g. the output of "
        '`python3 -c "import secrets; print(secrets.token_hex(32))"`'
    )
    if os.environ.get("LEARNAPP_SECRET_KEY"):
        if len(key) < 32:
            return Check("secret key", "warning", "LEARNAPP_SECRET_KEY is short", fix)
        return Check("secret key", "ok", "LEARNAPP_SECRET_KEY is set")
    if generated.is_file() and generated.read_text().strip() == key:
        detail = (
            f"generated on this node ({generated}): LEARNAPP_SECRET_KEY is not set, so a "
            "login or quiz form made on one node is refused by another"
        )
        # Redis for rate limits means several nodes: then a node-local key is a failure.
        return Check("secret key", "failure" if several_nodes else "warning", detail, fix)
    if not key:
        return Check("secret key", "failure", "no secret key", fix)
    return Check("secret key", "ok", "set in the instance configuration")


def check_base_url(app: Flask) -> Check:
    base_url = app.config.get("BASE_URL", "")
    fix = "set LEARNAPP_BASE_URL to the public address, e.g. https://learn.example.org"
    if base_url.rstrip("/") == DEFAULT_BASE_URL:
        return Check(
            "base URL",
            "warning",
            f"{base_url} is the default: certificates would print it as the verification link",
            fix,
        )
    if not base_url.startswith("https://"):
        return Check(
            "base URL", "warning", f"{base_url} is not https: cookies are sent unencrypted", fix
        )
    return Check("base URL", "ok", base_url)


def check_fonts(app: Flask) -> Check:
    folder = Path(app.config["STATIC_DIR"]) / "fonts"
    missing = [
        name
        for name in CERTIFICATE_FONTS
        if not (folder / name).is_file() or (folder / name).stat().st_size == 0
    ]
    if missing:
        return Check(
            "fonts",
            "failure",
            f"missing from {folder}: {', '.join(missing)}",
            "restore static/fonts/ from the release (certificates cannot be rendered without)",
        )
    return Check("fonts", "ok", f"{len(CERTIFICATE_FONTS)} certificate fonts in {folder}")


def check_harfbuzz() -> Check:
    if harfbuzz_subset_available():
        return Check("harfbuzz-subset", "ok", "libharfbuzz-subset is loaded for font subsetting")
    return Check("harfbuzz-subset", "warning", HARFBUZZ_MISSING, HARFBUZZ_FIX)


def check_pdf_renderer() -> Check:
    try:
        import weasyprint
    except (OSError, ImportError) as error:  # Pango missing: WeasyPrint cannot load it
        return Check(
            "PDF renderer",
            "failure",
            f"WeasyPrint cannot start ({str(error)[:160]})",
            "install Pango: `apt-get install libpango-1.0-0 libpangoft2-1.0-0`",
        )
    return Check("PDF renderer", "ok", f"WeasyPrint {weasyprint.__version__}")


def check_content(app: Flask) -> Check:
    from learnapp.content.loader import load_catalogue

    catalogue = load_catalogue(app.config["COURSES_DIR"], app.config["QUIZZES_DIR"])
    if catalogue.errors:
        shown = "; ".join(str(problem) for problem in catalogue.errors[:3])
        more = f" and {len(catalogue.errors) - 3} more" if len(catalogue.errors) > 3 else ""
        return Check(
            "content",
            "failure",
            f"{len(catalogue.errors)} error(s), {len(catalogue.excluded)} course(s) not served: "
            f"{shown}{more}",
            "run `learnapp courses check` and correct the files it names",
        )
    return Check(
        "content",
        "ok",
        f"{len(catalogue.courses)} course(s) valid, {len(catalogue.warnings)} warning(s)",
    )


def check_rate_limit_storage(app: Flask) -> Check:
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    scheme = uri.split("://")[0]
    if scheme == "memory":
        return Check("rate limits", "ok", "memory:// counts per process (use redis:// with nodes)")
    if scheme not in ("redis", "rediss"):
        return Check("rate limits", "ok", f"{scheme}:// storage (not checked)")
    import redis

    shown = uri.split("@")[-1]  # no password in the output
    try:
        redis.Redis.from_url(uri, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as error:
        return Check(
            "rate limits",
            "failure",
            f"Redis at {shown} does not answer ({error})",
            "start Redis or correct LEARNAPP_RATELIMIT_STORAGE_URI: logins fail while it is down",
        )
    return Check("rate limits", "ok", f"Redis at {shown} answers")
