"""`learnapp doctor`: is this node ready to serve? Every check says what to fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import text

from learnapp.certificates.render import harfbuzz_subset_available
from learnapp.config import is_loopback, served_address
from learnapp.credentials.issuer import Issuer
from learnapp.credentials.keys import KEY_FILE, InvalidKey
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
        check_issuer_key(app),
        check_base_url(app),
        check_fonts(app),
        check_harfbuzz(),
        check_pdf_renderer(),
        check_content(app),
        check_rate_limit_storage(app),
        check_mail(app),
        check_xapi(app),
    ]
    if checks[1].status == "ok":  # the migrated tables are there
        checks += [check_outbox(), check_xapi_outbox(app)]
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

    from learnapp import init_migrations

    config = init_migrations(app).extensions["migrate"].migrate.get_config()
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


def check_issuer_key(app: Flask) -> Check:
    """The Ed25519 key that signs the Open Badges credentials (learnapp/credentials)."""
    fix = (
        "set LEARNAPP_ISSUER_KEY to the same key on every node: copy instance/issuer_key "
        "from the node that has issued credentials (see README, Verifiable credentials)"
    )
    try:
        issuer = Issuer.from_config(app.config)
    except InvalidKey as error:
        return Check("issuer key", "failure", f"unusable: {error}", fix)
    method = issuer.verification_method
    if os.environ.get("LEARNAPP_ISSUER_KEY"):
        return Check("issuer key", "ok", f"LEARNAPP_ISSUER_KEY is set; {method}")
    generated = Path(app.instance_path) / KEY_FILE
    if not (generated.is_file() and generated.read_text().strip() == app.config["ISSUER_KEY"]):
        return Check("issuer key", "ok", f"set in the instance configuration; {method}")
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):  # several nodes
        detail = f"generated on this node ({generated}): each node would sign with its own key"
        return Check("issuer key", "failure", detail, fix)
    return Check("issuer key", "ok", f"generated in {generated}; {method}")


def base_url_problems(base_url: str, host: str, port: int, proxies: int = 0) -> list[str]:
    """Why links built on BASE_URL would not reach an app served on host:port (or nothing)."""
    parts = urlsplit(base_url)
    url_host = parts.hostname or ""
    try:
        url_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return [f"LEARNAPP_BASE_URL {base_url} has no valid port"]
    lasting = "certificates (their printed link and QR code, which never change) and reset links"
    problems = []
    if is_loopback(url_host) and not is_loopback(host):
        problems.append(
            f"LEARNAPP_BASE_URL {base_url} is a loopback address, but the app is served on "
            f"{host}:{port}: {lasting} would send every reader to their own computer"
        )
    # Behind a proxy the public port differs from the served one, as it should.
    direct = not proxies and (
        is_loopback(url_host) or url_host == host.strip("[]") or parts.port is not None
    )
    if direct and url_port != port:
        problems.append(
            f"LEARNAPP_BASE_URL {base_url} names port {url_port}, but the app is served on "
            f"port {port}: {lasting} would point at another server"
        )
    return problems


def check_base_url(app: Flask, served: tuple[str, int] | None = None) -> Check:
    base_url = app.config.get("BASE_URL", "")
    host, port = served or served_address()
    fix = "set LEARNAPP_BASE_URL to the public address, e.g. https://learn.example.org"
    problems = base_url_problems(base_url, host, port, int(app.config.get("TRUSTED_PROXIES", 0)))
    if problems:
        return Check("base URL", "warning", "; ".join(problems), fix)
    if app.config.get("BASE_URL_DERIVED"):
        return Check(
            "base URL",
            "warning",
            f"LEARNAPP_BASE_URL is not set, so the served address {base_url} is used: "
            "certificates would print it as the verification link",
            fix,
        )
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
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", "database://"))
    scheme = uri.split("://")[0]
    if scheme == "database":
        return Check("rate limits", "ok", "counted in the database, shared by every worker")
    if scheme == "memory":
        return Check(
            "rate limits",
            "warning",
            "memory:// counts in each worker process: n workers let n times the limits through",
            "unset LEARNAPP_RATELIMIT_STORAGE_URI (the database counts) or use redis://",
        )
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


def check_mail(app: Flask) -> Check:
    """LEARNAPP_MAIL_URL: unset (nothing is sent), unusable, or a server that answers."""
    import smtplib

    from learnapp.mail.message import sender_address
    from learnapp.mail.sender import MailServer

    url = app.config.get("MAIL_URL")
    if not url:
        return Check(
            "mail",
            "warning",
            "LEARNAPP_MAIL_URL is not set: no e-mail is sent (messages stay in the outbox); "
            "forgotten passwords go through an administrator's reset link",
            "set LEARNAPP_MAIL_URL=smtp://user:pass@host:587?starttls=1 and LEARNAPP_MAIL_FROM",
        )
    try:
        server = MailServer.from_url(url)
        sender_address(app.config["MAIL_FROM"])
    except ValueError as error:
        return Check(
            "mail", "failure", str(error), "correct LEARNAPP_MAIL_URL / LEARNAPP_MAIL_FROM"
        )
    try:
        server.connect().quit()
    except (OSError, smtplib.SMTPException) as error:
        return Check(
            "mail",
            "failure",
            f"the SMTP server {server.describe()} does not accept us ({error})",
            "check the host, port, TLS option and credentials; messages wait in the outbox",
        )
    return Check("mail", "ok", f"{server.describe()} answers; sending as {app.config['MAIL_FROM']}")


def check_xapi(app: Flask) -> Check:
    """LEARNAPP_XAPI_ENDPOINT: unset (no statement recorded), unusable, or an LRS that answers."""
    from learnapp.xapi.sender import FAILURES, InvalidXapiEndpoint, Lrs

    fix = "correct LEARNAPP_XAPI_ENDPOINT / LEARNAPP_XAPI_USERNAME / LEARNAPP_XAPI_PASSWORD"
    try:
        lrs = Lrs.from_config(app.config)
    except InvalidXapiEndpoint as error:
        return Check("xapi", "failure", str(error), fix)
    if lrs is None:
        return Check(
            "xapi",
            "ok",
            "LEARNAPP_XAPI_ENDPOINT is not set: no xAPI statement is recorded or sent",
        )
    try:
        lrs.check()
    except FAILURES as error:
        return Check(
            "xapi",
            "failure",
            f"the LRS at {lrs.describe()} cannot be used ({error})",
            f"{fix}; statements wait in their outbox meanwhile",
        )
    return Check("xapi", "ok", f"the LRS at {lrs.describe()} answers")


def check_xapi_outbox(app: Flask) -> Check:
    """xAPI statements that the LRS refused, or that wait long past their time."""
    from learnapp.models import XapiStatement

    return _outbox_check(
        "xapi outbox",
        XapiStatement,
        bool(app.config.get("XAPI_ENDPOINT")),
        failed=("statement(s) were refused by the LRS",
                "`learnapp xapi status` shows why; fix it, then `learnapp xapi retry`"),
        late=("statement(s)",
              "is the LRS reachable, and `learnapp worker` running? (see docs/deploy.md)"),
    )  # fmt: skip


def check_outbox() -> Check:
    """Messages that failed, or wait long past their time (is `learnapp worker` running?)."""
    from learnapp.models import OutboxMessage

    return _outbox_check(
        "outbox",
        OutboxMessage,
        bool(current_app.config.get("MAIL_URL")),
        failed=("message(s) failed for good",
                "see the admin E-mail page (/admin/email): the errors, and Retry"),
        late=("message(s)", "run `learnapp worker` (`make run` starts it; see docs/deploy.md)"),
    )  # fmt: skip


def _outbox_check(name: str, model, sending: bool, *, failed, late) -> Check:
    """Rows that failed for good, or (while sending is configured) wait past their time."""
    from learnapp import outbox

    count = outbox.counts(model)["failed"]
    if count:
        return Check(name, "warning", f"{count} {failed[0]}", failed[1])
    count = outbox.late(model)
    if count and sending:
        detail = f"{count} {late[0]} due more than 10 minutes ago are not sent"
        return Check(name, "warning", detail, late[1])
    return Check(name, "ok", "nothing late, nothing failed")
