"""Shared fixtures: an app with a fresh database per test, a CSRF-aware client, factories.

The database schema is built once per session by the real migrations; each test then
gets a copy (SQLite) or emptied tables (PostgreSQL, LEARNAPP_TEST_DATABASE_URL).
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text

from learnapp import create_app, init_migrations
from learnapp.extensions import db
from learnapp.models import Certificate, Organisation

FIXTURES = Path(__file__).parent / "fixtures"
SITE_COURSES = FIXTURES / "site" / "courses"
SITE_QUIZZES = FIXTURES / "site" / "quizzes"
PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("LEARNAPP_TEST_DATABASE_URL")
# A fixed Ed25519 issuer key, so that no test writes one into the project's instance/.
ISSUER_KEY = "z3u2iLNmiR1RQ65cXTKp5HcRPSAn3E1repWBdD36e4w2Pqah"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client(FlaskClient):
    """A test client that fills in the CSRF token like a browser would.

    Each request runs outside the test's own app context, as in production, so that
    `g` and the database session are per request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        return _CSRF.search(page).group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


class Runner(FlaskCliRunner):
    """Invokes the `learnapp` command (not bare `flask`) against the test app."""

    def invoke(self, cli=None, args=None, **kwargs):
        from learnapp.cli import main

        return super().invoke(cli or main, args, **kwargs)


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(SITE_COURSES),
        "QUIZZES_DIR": str(SITE_QUIZZES),
        "RATELIMIT_ENABLED": False,
        "CONTENT_RELOAD_SECONDS": 0.0,
        "BASE_URL": "https://learn.example.org",
        "ISSUER_KEY": ISSUER_KEY,
        "IMPORTS_DIR": str(instance / "imports"),  # bulk imports' uploads, never the project's
    }


def migrate_to_head(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = init_migrations(create_app(base_config(database_url, instance)))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> str:
    """The migrated schema, built once: a SQLite file, or the PostgreSQL test database."""
    instance = tmp_path_factory.mktemp("instance")
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        migrate_to_head(POSTGRES_URL, instance)
        return POSTGRES_URL
    path = instance / "template.db"
    migrate_to_head(f"sqlite:///{path}", instance)
    return str(path)


def _empty_postgres_tables() -> None:
    # DELETE is much faster than TRUNCATE on a handful of tiny tables.
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def database_url(template_database, tmp_path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    copy = tmp_path / "learnapp.db"
    shutil.copyfile(template_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    app = create_app({**base_config(database_url, tmp_path), **config_overrides})
    app.test_client_class = Client
    app.test_cli_runner_class = Runner
    with app.app_context():
        yield app
        db.session.remove()
        if POSTGRES_URL:
            _empty_postgres_tables()
        db.engine.dispose()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_emails = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Create a user directly (committed) and return it."""
    from learnapp.auth import service

    def make(role="learner", email=None, name="Test Learner", organisation=None, language="en"):
        org = service.find_or_create_organisation(organisation) if organisation else None
        user = service.create_user(
            email=email or f"user{next(_emails)}@example.org",
            name=name,
            password=PASSWORD,
            role=role,
            organisation=org,
            language=language,
        )
        db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client: Client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.submit("/login", {"email": email, "password": password})

    def logout(self):
        return self.client.submit("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(make_user, auth):
    """Create a user of a role and log the client in as them."""

    def login(role="learner", **kwargs):
        user = make_user(role=role, **kwargs)
        response = auth.login(user.email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return user

    return login


def logged_in_clients(app, email: str, count: int) -> list[Client]:
    """`count` clients, each with its own session of the same user."""
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.submit("/login", {"email": email, "password": PASSWORD})
        clients.append(client)
    return clients


def run_at_once(target, calls: list[tuple]) -> list:
    """Run target(*args) for every args in calls, in threads released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, args: tuple) -> None:
        barrier.wait()
        results[index] = target(*args)

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# The fixture course "basics": two lessons and a quiz.
COURSE = "/courses/basics"


def pass_quiz(client, path=f"{COURSE}/quizzes/check"):
    """Answer the fixture quiz correctly, whatever the option ids are."""
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    radio = re.search(r'type="radio" id="[^"]+" name="(q\w+)" value="(\w+)"', page)
    data = {"attempt_token": token}
    # Geneva is the second option in file order (no shuffle in the fixture).
    options = re.findall(rf'name="{radio.group(1)}" value="(\w+)"', page)
    data[radio.group(1)] = options[1]
    text_field = re.search(r'type="text" id="[^"]+" name="(q\w+)"', page).group(1)
    data[text_field] = " 171 "
    return client.submit(path, data)


def finish_course(client) -> Certificate:
    """Enrol, do both lessons and pass the quiz of "basics"; the certificate, if issued."""
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    client.submit(f"{COURSE}/working-together/complete")
    pass_quiz(client)
    return db.session.scalar(db.select(Certificate))


def manager(make_user, email: str, organisation: str):
    """A partner manager of the (existing) organisation of that name."""
    user = make_user(role="manager", email=email, name=f"Focal point {organisation}")
    user.managed_organisations = [
        db.session.scalar(db.select(Organisation).filter_by(name=organisation))
    ]
    db.session.commit()
    return user


def forge(signed: str) -> str:
    """`signed` with one character of its signature changed, one that carries real bits.

    (The last base64 characters of a signature may hold padding bits that decoding drops,
    so changing them can leave the signature valid.)
    """
    position = len(signed) - 10
    swapped = "A" if signed[position] != "A" else "B"
    return signed[:position] + swapped + signed[position + 1 :]


def register(client, **fields):
    """Register through the form: a new learner of a new organisation unless told otherwise."""
    data = {
        "name": "Amina Haddad",
        "email": "amina@example.org",
        "organisation": "other",
        "organisation_other": "Ministry of Education",
        "password": "long enough password",
        "confirm": "long enough password",
        "language": "en",
    }
    data.update(fields)
    return client.submit("/register", data)


# The shipped content (course 01 in English, French and Arabic), for the language tests.
ROOT = Path(__file__).resolve().parents[1]
SHIPPED_CONTENT = {"COURSES_DIR": str(ROOT / "courses"), "QUIZZES_DIR": str(ROOT / "quizzes")}
ORIGINS = "/courses/origins-of-a-learning-alliance"


def answer_quiz(client, path: str, quiz, short: dict[int, str] | None = None):
    """Answer a quiz page right, by position (the quiz neither shuffles nor draws).

    `quiz` is the one the page shows; `short` replaces the answer to question N (0-based).
    """
    page = client.get(path).get_data(as_text=True)
    data = {"attempt_token": re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)}
    fields = re.findall(r'<fieldset class="question[^"]*" id="(q\w+)"', page)
    assert len(fields) == len(quiz.questions)
    for index, (field, question) in enumerate(zip(fields, quiz.questions, strict=True)):
        if question.kind == "short":
            data[field] = (short or {}).get(index, question.accepted[0].label)
        else:
            ids = re.findall(rf'name="{field}" value="(\w+)"', page)
            data[field] = [ids[i] for i, option in enumerate(question.options) if option.correct]
    return client.submit(path, data)


@contextmanager
def statements():
    """Collect the SQL statements the app sends while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def verbs(sent: list[str]) -> list[str]:
    """The first word of each statement `statements()` collected: SELECT, INSERT, ..."""
    return [statement.split()[0].upper() for statement in sent]
