"""The `learnapp` command: thin click commands over the services."""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate.cli import db as db_group

from learnapp.extensions import db
from learnapp.models import Role, User


def _create_app():
    from learnapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, load_dotenv=False)
def main() -> None:
    """LearnApp: courses from Markdown, quizzes and verifiable certificates."""


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH, while the app runs."""
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
@click.option("--organisation", default=None, help="Organisation name (created if new).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email, name, role, organisation, password_stdin) -> None:
    """Create an account; the password is read from stdin or prompted."""
    from learnapp.auth import service

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    org = service.find_or_create_organisation(organisation) if organisation else None
    try:
        user = service.create_user(
            email=email, name=name, password=password, role=role, organisation=org
        )
    except service.EmailTaken as error:
        raise click.ClickException(f"an account with the e-mail {email} already exists") from error
    except service.WeakPassword as error:
        raise click.ClickException(
            f"the password must have at least {service.MIN_PASSWORD_LENGTH} characters"
        ) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@users.command("ensure-admin")
@click.option("--email", default="admin@learnapp.local", show_default=True)
@with_appcontext
def users_ensure_admin(email) -> None:
    """Create a first admin when there is none, printing its password once."""
    from learnapp.auth import service

    if db.session.scalar(db.select(User.id).where(User.role == Role.ADMIN).limit(1)):
        click.echo("An administrator exists already.")
        return
    password = secrets.token_urlsafe(12)
    service.create_user(email=email, name="Administrator", password=password, role=Role.ADMIN)
    db.session.commit()
    click.echo("First administrator created. Note the password: it is shown only once.")
    click.echo(f"  e-mail:   {email}")
    click.echo(f"  password: {password}")


@main.group()
def courses() -> None:
    """Check and list the course content."""


def _content_dirs(courses_dir: str | None, quizzes_dir: str | None) -> tuple[str, str]:
    from flask import current_app

    return (
        courses_dir or current_app.config["COURSES_DIR"],
        quizzes_dir or current_app.config["QUIZZES_DIR"],
    )


@courses.command("check")
@click.option("--courses-dir", type=click.Path(file_okay=False), default=None)
@click.option("--quizzes-dir", type=click.Path(file_okay=False), default=None)
@with_appcontext
def courses_check(courses_dir, quizzes_dir) -> None:
    """Validate all content: one `path:line: message` line per problem; exit 1 on errors."""
    from learnapp.content.loader import load_catalogue

    catalogue = load_catalogue(*_content_dirs(courses_dir, quizzes_dir))
    for problem in catalogue.problems:
        click.echo(str(problem))
    errors, warnings = len(catalogue.errors), len(catalogue.warnings)
    click.echo(
        f"{len(catalogue.courses)} course(s) valid; {errors} error(s), {warnings} warning(s).",
        err=True,
    )
    if errors:
        sys.exit(1)


@courses.command("list")
@with_appcontext
def courses_list() -> None:
    """Slug, title, language, status, lessons and quizzes of every valid course."""
    from learnapp.content.loader import load_catalogue

    catalogue = load_catalogue(*_content_dirs(None, None))
    rows = [("slug", "title", "language", "status", "lessons", "quizzes")]
    rows += [
        (c.slug, c.title, c.language, c.status, str(len(c.lessons)), str(len(c.quizzes)))
        for c in catalogue.courses.values()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for slug in catalogue.excluded:
        click.echo(f"{slug}: not served, it has errors (run `learnapp courses check`)", err=True)


@main.command()
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1"
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "5000")),
    show_default="PORT or 5000",
)
@click.option("--workers", type=int, default=None, help="Default: 2 × CPUs + 1, at most 8.")
@click.option("--threads", type=int, default=4, show_default=True)
def serve(host, port, workers, threads) -> None:
    """Serve the app with gunicorn (production server)."""
    from learnapp.server import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers, threads=threads)


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
