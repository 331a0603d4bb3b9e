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
