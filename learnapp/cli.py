"""The `learnapp` command: thin click commands over the services."""

from __future__ import annotations

import os
import re
import secrets
import sys
import unicodedata
from functools import update_wrapper
from pathlib import Path

import click

from learnapp import config
from learnapp.config import served_address
from learnapp.roles import Role


def _create_app():
    from learnapp import create_app

    return create_app()


class Main(click.Group):
    """The `learnapp` command: Flask's FlaskGroup (--app, --env-file, --debug, --version, the
    plugins' commands, the app behind each command), imported when the command runs. Only
    `learnapp courses …` runs without it: it reads files and the configuration, and importing
    Flask and its plugins was most of its time (issue 18)."""

    def main(self, args=None, prog_name=None, **extra):
        args = sys.argv[1:] if args is None else list(args)
        if args[:1] == ["courses"] and "obj" not in extra:  # a test's runner brings its app
            name = prog_name or os.path.basename(sys.argv[0])
            return courses.main(args[1:], f"{name} courses", **extra)
        from flask.cli import FlaskGroup

        flask_group = FlaskGroup(
            name=self.name,
            commands=dict(self.commands),
            callback=self.callback,
            help=self.help,
            create_app=_create_app,
            add_default_commands=False,
            load_dotenv=False,
        )
        return flask_group.main(args, prog_name, **extra)


def with_appcontext(command):
    """Flask's with_appcontext, imported when the command runs."""

    @click.pass_context
    def run(ctx: click.Context, /, *args, **kwargs):
        from flask.cli import with_appcontext as flask_with_appcontext

        return ctx.invoke(flask_with_appcontext(command), *args, **kwargs)

    return update_wrapper(run, command)


@click.group(cls=Main)
def main() -> None:
    """LearnApp: courses from Markdown, quizzes and verifiable certificates."""


class MigrationCommands(click.Group):
    """Flask-Migrate's commands, imported only when one runs: they bring Alembic."""

    def _migrate_commands(self) -> dict[str, click.Command]:
        from flask_migrate.cli import db as migrate_group

        return migrate_group.commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._migrate_commands(), *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name) or self._migrate_commands().get(name)


@main.group("db", cls=MigrationCommands)
@click.option("-d", "--directory", default=None, help="Migration script directory.")
@click.option("-x", "--x-arg", multiple=True, help="Arguments for custom env.py scripts.")
@with_appcontext
def db_commands(directory, x_arg) -> None:
    """Perform database migrations."""
    from flask import current_app, g

    from learnapp import init_migrations

    init_migrations(current_app)
    g.directory, g.x_arg = directory, x_arg  # as Flask-Migrate's own group: read by its config


@db_commands.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH, while the app runs."""
    import sqlite3

    from learnapp.extensions import db

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "Online backup is for SQLite. For PostgreSQL use pg_dump, e.g. "
            "`pg_dump --format=custom --file backup.dump DATABASE`."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(path)
    with target:
        source.backup(target)
    target.close()
    source.close()
    click.echo(f"Backed up {url.database} to {path}")


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value)
@click.option(
    "--organisation",
    default=None,
    help="Organisation name (created if new); a manager manages it.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email, name, role, organisation, password_stdin) -> None:
    """Create an account; the password is read from stdin or prompted."""
    from learnapp.auth import service
    from learnapp.auth.names import InvalidName
    from learnapp.extensions import db

    if role == Role.MANAGER and not organisation:
        raise click.UsageError("a manager needs --organisation (the organisation managed)")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        org = service.find_or_create_organisation(organisation) if organisation else None
    except InvalidName as error:
        raise click.ClickException(f"--organisation: {error.message}") from error
    try:
        user = service.create_user(
            email=email, name=name, password=password, role=role, organisation=org
        )
    except InvalidName as error:
        raise click.ClickException(f"--name: {error.message}") from error
    except service.EmailTaken as error:
        raise click.ClickException(f"an account with the e-mail {email} already exists") from error
    except service.WeakPassword as error:
        raise click.ClickException(
            f"the password must have at least {service.MIN_PASSWORD_LENGTH} characters"
        ) from error
    if role == Role.MANAGER:
        user.managed_organisations = [org]
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@users.command("ensure-admin")
@click.option("--email", default="admin@learnapp.local", show_default=True)
@with_appcontext
def users_ensure_admin(email) -> None:
    """Create a first admin when there is none, printing its password once."""
    from learnapp.auth import service
    from learnapp.extensions import db
    from learnapp.models import User

    if db.session.scalar(db.select(User.id).where(User.role == Role.ADMIN).limit(1)):
        click.echo("An administrator exists already.")
        return
    password = secrets.token_urlsafe(12)
    service.create_user(email=email, name="Administrator", password=password, role=Role.ADMIN)
    db.session.commit()
    click.echo("First administrator created. Note the password: it is shown only once.")
    click.echo(f"  e-mail:   {email}")
    click.echo(f"  password: {password}")


def _configured_app():
    from learnapp import configured_app

    return configured_app()


def with_configuration(command):
    """Give a command that reads files, not the database, the configuration as its first
    argument: read without Flask when `learnapp courses …` runs alone (see Main), else the
    app's (a test's, or one built with the configuration only)."""

    @click.pass_context
    def run(ctx: click.Context, /, *args, **kwargs):
        info = ctx.find_root().obj
        if info is None:
            settings = config.settings(config.INSTANCE_DIR)
        else:
            if info.create_app is _create_app:
                info.create_app = _configured_app
            settings = info.load_app().config
        return ctx.invoke(command, settings, *args, **kwargs)

    return update_wrapper(run, command)


@main.group()
def courses() -> None:
    """Check and list the course content."""


def _content_dirs(settings, courses_dir: str | None, quizzes_dir: str | None) -> tuple[str, str]:
    return courses_dir or settings["COURSES_DIR"], quizzes_dir or settings["QUIZZES_DIR"]


@courses.command("check")
@click.option("--courses-dir", type=click.Path(file_okay=False), default=None)
@click.option("--quizzes-dir", type=click.Path(file_okay=False), default=None)
@with_configuration
def courses_check(settings, courses_dir, quizzes_dir) -> None:
    """Validate all content: one `path:line: message` line per problem; exit 1 on errors."""
    from learnapp.content.loader import load_catalogue

    dirs = _content_dirs(settings, courses_dir, quizzes_dir)
    catalogue = load_catalogue(*dirs, limits=config.content_limits(settings))
    template_errors = _certificate_template_problems(
        catalogue.courses.values(), settings["STATIC_DIR"]
    )
    for problem in (*catalogue.problems, *template_errors):
        click.echo(str(problem))
    errors = len(catalogue.errors) + len(template_errors)
    warnings = len(catalogue.warnings)
    click.echo(
        f"{len(catalogue.courses)} course(s) valid; {errors} error(s), {warnings} warning(s).",
        err=True,
    )
    if errors:
        sys.exit(1)


def _certificate_template_problems(courses, static_dir: str) -> list:
    """Render each course's own certificate template once, as issuing would."""
    templates = []
    for course in courses:
        readings = (course, *course.translations.values()) if course.certificate else ()
        for reading in readings:  # certificate.html, then certificate.fr.html and the like
            if reading.certificate_template and (
                reading is course or reading.certificate_template != course.certificate_template
            ):
                templates.append((course, reading))
    if not templates:
        return []
    from learnapp.certificates.render import template_problems  # Jinja, Babel, segno

    problems = []
    for course, reading in templates:
        problems += template_problems(
            reading.certificate_template,
            course_title=reading.title,
            course_dir=course.path,
            static_dir=static_dir,
            language=reading.language,
        )
    return problems


@courses.command("list")
@with_configuration
def courses_list(settings) -> None:
    """Slug, title, languages (default first), status, lessons and quizzes of every course."""
    from learnapp.content.loader import load_catalogue

    dirs = _content_dirs(settings, None, None)
    catalogue = load_catalogue(*dirs, limits=config.content_limits(settings))
    rows = [("slug", "title", "languages", "status", "lessons", "quizzes")]
    rows += [
        (c.slug, c.title, ",".join(c.languages), c.status, str(len(c.lessons)), str(len(c.quizzes)))
        for c in catalogue.courses.values()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for slug in catalogue.excluded:
        click.echo(f"{slug}: not served, it has errors (run `learnapp courses check`)", err=True)


@main.group()
def certificates() -> None:
    """Issue the certificates that are still due; sign credentials for old ones."""


@certificates.command("issue-pending")
@with_appcontext
def certificates_issue_pending() -> None:
    """Issue every certificate whose issue failed or is still due; exit 1 if any fails."""
    from learnapp.catalogue import catalogue
    from learnapp.completion import issue_pending

    report = issue_pending(catalogue().courses)
    for cert in report.issued:
        click.echo(f"issued {cert.code} to user {cert.user_id} ({cert.course_slug})")
    for failed in report.failed:
        click.echo(
            f"failed user {failed.user_id} ({failed.course_slug}): {failed.certificate_error}",
            err=True,
        )
    click.echo(f"{len(report.issued)} issued, {len(report.failed)} failed.", err=True)
    if report.failed:
        sys.exit(1)


@certificates.command("backfill-credentials")
@with_appcontext
def certificates_backfill_credentials() -> None:
    """Sign an Open Badges credential for each certificate issued before they existed."""
    from flask import current_app

    from learnapp.catalogue import catalogue
    from learnapp.certificates.service import IssueSettings, backfill_credentials
    from learnapp.extensions import db

    codes = backfill_credentials(catalogue().courses, IssueSettings.from_config(current_app.config))
    db.session.commit()
    for code in codes:
        click.echo(f"signed {code}")
    click.echo(f"{len(codes)} credential(s) signed.", err=True)


@main.command()
@click.option("--host", default=lambda: served_address()[0], show_default="HOST or 127.0.0.1")
@click.option("--port", type=int, default=lambda: served_address()[1], show_default="PORT or 5000")
@click.option("--workers", type=int, default=None, help="Default: one per CPU, 2 to 8.")
@click.option("--threads", type=int, default=None, help="Default: 8 per worker.")
@with_appcontext  # as FlaskGroup's commands had it: the app is built before HOST and PORT are set
def serve(host, port, workers, threads) -> None:
    """Serve the app with gunicorn (production server)."""
    from flask.cli import ScriptInfo

    from learnapp.doctor import base_url_problems
    from learnapp.server import DEFAULT_THREADS, run_gunicorn

    # The workers derive the base URL (when unset) and the trusted hosts from these.
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    base_url = app.config["BASE_URL"]
    for problem in base_url_problems(base_url, host, port, int(app.config["TRUSTED_PROXIES"])):
        click.secho(f"WARNING: {problem}.", err=True, fg="red", bold=True)
        click.secho("  Set LEARNAPP_BASE_URL to the address readers open.", err=True, fg="red")
    if app.config.get("BASE_URL_DERIVED"):
        click.echo(f"LEARNAPP_BASE_URL is not set: links and certificates use {base_url}", err=True)
    run_gunicorn(host=host, port=port, workers=workers, threads=threads or DEFAULT_THREADS)


@main.command()
@click.option("--once", is_flag=True, help="One round (send what is due, run the jobs), then exit.")
@click.option(
    "--interval", type=float, default=60.0, show_default=True, help="Seconds between rounds."
)
@with_appcontext
def worker(once, interval) -> None:
    """Send the outbox's due e-mail and xAPI statements and run the periodic jobs
    (reminders); any number may run."""
    import signal
    import time

    from flask import current_app

    from learnapp.extensions import db
    from learnapp.mail.sender import InvalidMailURL, configured_server
    from learnapp.outbox import worker_name
    from learnapp.xapi.sender import InvalidXapiEndpoint, configured_lrs

    try:
        server = configured_server()
        lrs = configured_lrs()
    except (InvalidMailURL, InvalidXapiEndpoint) as error:
        raise click.ClickException(str(error)) from error
    if server is None:
        click.echo("LEARNAPP_MAIL_URL is not set: messages stay in the outbox, unsent.", err=True)
    name = worker_name()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while True:
        started = time.monotonic()
        try:
            _worker_round(current_app, server, lrs, name)
        except Exception:  # a database outage: log it and try again next round
            db.session.rollback()
            current_app.logger.exception("worker round failed")
            if once:
                raise
        if once or stopping:
            return
        while not stopping and time.monotonic() - started < interval:
            time.sleep(min(1.0, interval))
        if stopping:
            return


def _worker_round(app, server, lrs, name: str) -> None:
    from learnapp.catalogue import catalogue
    from learnapp.cohorts.reminders import send_due_reminders
    from learnapp.extensions import db
    from learnapp.mail.reminders import send_reminders
    from learnapp.mail.sender import drain
    from learnapp.mail.service import purge_sent
    from learnapp.xapi import sender as xapi_sender
    from learnapp.xapi import service as xapi

    with app.test_request_context(base_url=app.config["BASE_URL"]):  # links in the messages
        reminded = send_reminders(catalogue().courses)
        reminded += send_due_reminders(catalogue().courses).total
        purge_sent()
        xapi.purge_sent()
        db.session.commit()
    if reminded:
        click.echo(f"{reminded} reminder(s) queued", err=True)
    if server is not None:
        delivery = drain(server, name)
        if delivery:
            click.echo(
                f"{delivery.sent} sent, {delivery.retrying} to retry, {delivery.failed} failed",
                err=True,
            )
    if lrs is not None:
        statements = xapi_sender.drain(lrs, name)
        if statements:
            click.echo(
                f"xAPI: {statements.sent} statement(s) sent, {statements.retrying} to retry, "
                f"{statements.failed} failed",
                err=True,
            )


@main.command()
@with_appcontext
def doctor() -> None:
    """Check this node's deployment and print what to fix; exit 1 on a failure."""
    from flask import current_app

    from learnapp.doctor import report, run_checks

    checks = run_checks(current_app)
    click.echo(report(checks))
    if any(check.status == "failure" for check in checks):
        sys.exit(1)


@main.group()
def xapi() -> None:
    """xAPI statements for the Learning Record Store (LEARNAPP_XAPI_ENDPOINT)."""


@xapi.command("status")
@with_appcontext
def xapi_status() -> None:
    """How many statements are queued, sent and refused, and the last refusals."""
    from learnapp.xapi import service

    counts = service.counts()
    click.echo(f"{counts['queued']} queued, {counts['sent']} sent, {counts['failed']} failed")
    for row in service.latest_failed():
        click.echo(f"failed #{row.id} {row.verb} {row.statement_id}: {row.last_error}")


@xapi.command("retry")
@click.option("--id", "row_id", type=int, default=None, help="Only this row (default: all).")
@with_appcontext
def xapi_retry(row_id) -> None:
    """Queue the statements the LRS refused again (after fixing their cause)."""
    from learnapp.extensions import db
    from learnapp.xapi import service

    count = service.retry_failed(row_id)
    db.session.commit()
    click.echo(f"{count} statement(s) queued again")


@main.group()
def quizzes() -> None:
    """Import quizzes written for other platforms."""


@quizzes.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "slug", required=True, help="Slug of the course the quiz is for.")
@click.option("--title", default=None, help="Quiz title (default: from the file name).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Quiz file to write (default: quizzes/<course>/NN-<title>.md).")  # fmt: skip
@click.option("--skip-unsupported", is_flag=True, help="Exit 0 even if questions were skipped.")
@with_appcontext
def quizzes_import_gift(file: Path, slug, title, out, skip_unsupported) -> None:
    """Convert a Moodle GIFT file into a quiz; `FILE:line: unsupported …` for what is left out."""
    from flask import current_app
    from flask_babel import force_locale, gettext

    from learnapp.content.gift import import_gift
    from learnapp.content.loader import load_catalogue

    dirs = _content_dirs(current_app.config, None, None)
    limits = config.content_limits(current_app.config)
    course = load_catalogue(*dirs, limits=limits).courses.get(slug)
    if course is None:
        raise click.ClickException(f'no valid course "{slug}" (see `learnapp courses list`)')
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file}: not UTF-8 text; save it as UTF-8") from error
    named = " ".join(file.name.split(".")[0].replace("-", " ").replace("_", " ").split())
    title = " ".join((title or named[:1].upper() + named[1:]).split())
    with force_locale(course.language):
        labels = (gettext("True"), gettext("False"))
    result = import_gift(text, path=str(file), title=title or "Quiz", true_false=labels)
    for problem in (*result.errors, *result.skipped, *result.notes):
        click.echo(str(problem))
    if result.errors or not result.questions:
        raise click.ClickException(f"{file}: nothing written (no question to convert, or errors)")
    out = out or _next_quiz_path(Path(dirs[1]) / slug, title)
    if out.exists():
        raise click.ClickException(f"{out} exists already: choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result.markdown, encoding="utf-8")
    check = load_catalogue(*dirs, limits=limits)
    root = Path(dirs[0]).resolve().parent
    written = [p for p in check.errors if (root / p.path).resolve() == out.resolve()]
    if written:  # say what to fix, and leave the course as it was
        out.unlink()
        raise click.ClickException("\n".join(map(str, written)))
    click.echo(f"Wrote {len(result.questions)} question(s) to {out}", err=True)
    if result.skipped and not skip_unsupported:
        sys.exit(1)


def _next_quiz_path(folder: Path, title: str) -> Path:
    """quizzes/<course>/NN-slug.md, numbered after the course's last quiz."""
    from learnapp.content.names import split_name

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "quiz"
    numbers = [parts[0] for f in folder.glob("*.md") if (parts := split_name(f.name, ".md"))]
    return folder / f"{max(numbers, default=0) + 1:02d}-{slug}.md"
