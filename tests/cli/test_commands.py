"""The `learnapp` command line (SPEC §4)."""

import os
import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Role, User
from tests.conftest import FIXTURES, POSTGRES_URL


def test_users_create_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "T@Example.org",
            "--name",
            "Sam Trainer",
            "--role",
            "trainer",
            "--organisation",
            "LearningAlliance",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User))
    assert user.role == Role.TRAINER and user.organisation.name == "LearningAlliance"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_a_duplicate_and_a_short_password(runner, make_user):
    make_user(email="taken@example.org")
    duplicate = runner.invoke(
        args=["users", "create", "--email", "TAKEN@example.org", "--name", "X", "--password-stdin"],
        input="a long enough password\n",
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(
        args=["users", "create", "--email", "new@example.org", "--name", "X", "--password-stdin"],
        input="123456789\n",
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    assert db.session.scalar(db.select(func.count(User.id))) == 1


def test_ensure_admin_prints_a_password_once(runner):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert "password:" in first.output
    password = first.output.split("  password:")[1].split()[0]
    assert len(password) >= 10
    second = runner.invoke(args=["users", "ensure-admin"])
    assert "password" not in second.output
    assert db.session.scalar(db.select(func.count(User.id)).where(User.role == "admin")) == 1


def test_db_backup_produces_a_database_that_opens_and_holds_the_users(runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["db", "backup", str(target)])
    if POSTGRES_URL:  # the online backup is SQLite's; PostgreSQL points to pg_dump
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT email FROM user").fetchall() == [("kept@example.org",)]


def test_db_upgrade_is_idempotent(runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def comparable(obj, name, type_, reflected, compare_to) -> bool:
        # SQLite cannot reflect expression indexes: lower(email) has the duplicate-email test,
        # lower(name) the learner-list plan test (tests/admin/test_queries.py).
        return name not in ("uq_user_email_lower", "ix_user_name_lower")

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": comparable})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_courses_check_passes_on_the_shipped_content(runner):
    result = runner.invoke(
        args=["courses", "check", "--courses-dir", "courses", "--quizzes-dir", "quizzes"]
    )
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_courses_check_fails_with_path_line_messages(runner):
    from tests.content.helpers import EXPECTED_BROKEN

    broken = FIXTURES / "content" / "broken"
    result = runner.invoke(
        args=[
            "courses",
            "check",
            "--courses-dir",
            str(broken / "courses"),
            "--quizzes-dir",
            str(broken / "quizzes"),
        ]
    )
    assert result.exit_code == 1
    printed = result.stdout.splitlines()
    assert printed == list(EXPECTED_BROKEN)


def test_courses_check_warns_about_script_files_and_still_passes(runner, tmp_path):
    course = tmp_path / "courses" / "01-c"
    (course / "files").mkdir(parents=True)
    (tmp_path / "quizzes").mkdir()
    (course / "course.md").write_text("---\ntitle: C\nsummary: S\n---\n")
    (course / "01-one.md").write_text("# One\n")
    (course / "files" / "app.js").write_text("steal()")
    (course / "map.svg").write_text("<svg>\n<script>steal()</script></svg>")
    result = runner.invoke(
        args=["courses", "check", "--courses-dir", str(tmp_path / "courses"),
              "--quizzes-dir", str(tmp_path / "quizzes")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "courses/01-c/files/app.js: warning: JavaScript file: course assets never run as"
        " scripts, learners get a download",
        "courses/01-c/map.svg:2: warning: SVG <script> never runs in a course asset: remove it",
    ]


def test_courses_list_shows_every_valid_course(runner):
    result = runner.invoke(args=["courses", "list"])
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["slug", "title", "languages", "status", "lessons", "quizzes"]
    basics = next(row for row in rows if row.startswith("basics "))
    assert basics.split()[-4:] == ["en", "published", "2", "1"]
    assert any(row.startswith("draft-notes ") and " draft " in row for row in rows)


def test_courses_list_names_every_language_of_a_course(runner, app):
    app.config.update(COURSES_DIR="courses", QUIZZES_DIR="quizzes")
    result = runner.invoke(args=["courses", "list"])
    origins = next(row for row in result.stdout.splitlines() if row.startswith("origins-"))
    assert origins.split()[-4:] == ["en,ar,fr", "published", "5", "2"]


@pytest.mark.parametrize("command", [["courses", "check"], ["courses", "list"]])
def test_content_commands_build_no_app(monkeypatch, command):
    """They read files only: the configuration, not the app (its extensions, models and
    blueprints were most of `learnapp courses check`'s time; issue 18)."""
    import learnapp
    from learnapp.cli import main
    from tests.conftest import ISSUER_KEY, SITE_COURSES, SITE_QUIZZES

    def refuse(*args, **kwargs):
        raise AssertionError("create_app() called")

    monkeypatch.setattr(learnapp, "create_app", refuse)
    for name, value in {
        "DATABASE_URL": "sqlite://",
        "SECRET_KEY": "test-secret-key",
        "ISSUER_KEY": ISSUER_KEY,
        "COURSES_DIR": str(SITE_COURSES),
        "QUIZZES_DIR": str(SITE_QUIZZES),
    }.items():
        monkeypatch.setenv(f"LEARNAPP_{name}", value)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert "basics" in result.output or "valid" in result.output


@pytest.mark.parametrize("command", [["courses", "check"], ["courses", "list"]])
def test_content_commands_import_no_flask(command):
    """`learnapp courses …` starts without Flask, its plugins or the features: importing them
    took longer than checking a 100-lesson course (issue 18)."""
    import subprocess
    import sys

    from tests.conftest import ISSUER_KEY, SITE_COURSES, SITE_QUIZZES

    script = (
        "import sys\n"
        "from learnapp.cli import main\n"
        f"main({command!r}, standalone_mode=False)\n"
        "loaded = [m for m in ('flask', 'werkzeug', 'flask_babel', 'sqlalchemy', 'cryptography',"
        " 'learnapp.catalogue', 'learnapp.certificates.render') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    environment = {
        "LEARNAPP_COURSES_DIR": str(SITE_COURSES),
        "LEARNAPP_QUIZZES_DIR": str(SITE_QUIZZES),
        "LEARNAPP_ISSUER_KEY": ISSUER_KEY,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "basics" in result.stdout or "valid" in result.stderr


def test_content_commands_read_the_instance_configuration(monkeypatch, tmp_path):
    """instance/config.py is a layer of the configuration (README), for every command."""
    from learnapp import config
    from learnapp.cli import main

    (tmp_path / "config.py").write_text(f"COURSES_DIR = {str(FIXTURES / 'site' / 'courses')!r}\n")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("LEARNAPP_COURSES_DIR", raising=False)
    result = CliRunner().invoke(main, ["courses", "list"])
    assert result.exit_code == 0, result.output
    assert any(row.startswith("basics ") for row in result.stdout.splitlines())
