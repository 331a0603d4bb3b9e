"""A database that cannot save: a 503 "try again" page and an honest /healthz (issue 13.14).

A full disk gave every write the generic 500 while /healthz still said ok. Each test
breaks the test database the way production breaks it, for the app's own connections:
SQLite with `PRAGMA query_only` (read-only) or `PRAGMA max_page_count` at its size (full);
PostgreSQL with `default_transaction_read_only` or a trigger raising SQLSTATE 53100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from learnapp.extensions import db
from learnapp.models import Enrolment
from tests.conftest import POSTGRES_URL

SORRY = "We cannot save right now; nothing you did was lost, try again in a moment."


class Breakage:
    """Breaks the app's database for the rest of the test, and repairs it afterwards."""

    def __init__(self) -> None:
        self.undo: list[Callable[[], None]] = []

    def on_every_connection(self, statements: list[str]) -> None:
        """Run `statements` on each new connection of the app."""

        def setup(dbapi_connection, _record) -> None:
            if POSTGRES_URL:
                dbapi_connection.autocommit = True
            cursor = dbapi_connection.cursor()
            for statement in statements:
                cursor.execute(statement)
            cursor.close()
            if POSTGRES_URL:
                dbapi_connection.autocommit = False

        db.session.remove()
        db.engine.dispose()
        event.listen(db.engine, "connect", setup)
        self.undo.append(lambda: event.remove(db.engine, "connect", setup))

    def read_only(self) -> None:
        """Every connection may read but not write."""
        if POSTGRES_URL:
            self.on_every_connection(["SET default_transaction_read_only = on"])
        else:
            self.on_every_connection(["PRAGMA query_only = 1"])

    def disk_full(self, user_id: int) -> None:
        """No further enrolment fits: SQLite at its page limit, PostgreSQL's SQLSTATE 53100."""
        if POSTGRES_URL:
            self._postgres_disk_full()
            return
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
            pages = connection.execute(text("PRAGMA page_count")).scalar()
        self.on_every_connection([f"PRAGMA max_page_count = {pages}"])
        # Enrolments like the app's (same slug length) until one more does not fit.
        for number in range(100_000):
            db.session.add(Enrolment(user_id=user_id, course_slug=f"f{number:05}"))
            try:
                db.session.commit()
            except OperationalError as error:
                db.session.rollback()
                assert "database or disk is full" in str(error)
                return
        pytest.fail("the database never filled up")

    def _postgres_disk_full(self) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE FUNCTION disk_is_full() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'"
                    " USING ERRCODE = 'disk_full'; END $$"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER disk_is_full BEFORE INSERT ON enrolment"
                    " FOR EACH ROW EXECUTE FUNCTION disk_is_full()"
                )
            )

        def repair() -> None:
            with db.engine.begin() as connection:
                connection.execute(text("DROP TRIGGER disk_is_full ON enrolment"))
                connection.execute(text("DROP FUNCTION disk_is_full()"))

        self.undo.append(repair)

    def repair(self) -> None:
        for undo in self.undo:
            undo()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def breakage(app) -> Iterator[Breakage]:
    broken = Breakage()
    yield broken
    broken.repair()


def assert_cannot_save(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert SORRY in page
    assert response.headers["Retry-After"]


def test_a_read_only_database_gives_the_try_again_page(client, login_as, breakage):
    login_as()
    breakage.read_only()
    assert_cannot_save(client.submit("/courses/basics/enrol"))
    assert client.get("/").status_code == 200  # reading still works


@pytest.mark.parametrize(
    "language, phrase",
    [
        ("fr", "Nous ne pouvons pas enregistrer pour le moment"),
        ("ar", "لا يمكننا الحفظ الآن"),
    ],
)
def test_the_try_again_page_is_translated(client, login_as, breakage, language, phrase):
    login_as(language=language)
    breakage.read_only()
    response = client.submit("/courses/basics/enrol")
    assert response.status_code == 503
    assert phrase in response.get_data(as_text=True)


def test_a_full_disk_gives_the_try_again_page(client, login_as, breakage):
    breakage.disk_full(login_as().id)
    assert_cannot_save(client.submit("/courses/basics/enrol"))
    assert client.get("/").status_code == 200


def test_healthz_says_the_database_is_writable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "writable"}


def test_healthz_reports_a_read_only_database(client, breakage):
    breakage.read_only()
    response = client.get("/healthz")
    assert response.status_code == 200  # pages can still be read (SPEC §4)
    assert response.get_json() == {"status": "degraded", "database": "not writable"}


@pytest.mark.skipif(bool(POSTGRES_URL), reason="PostgreSQL's free space is not visible cheaply")
def test_healthz_reports_a_full_sqlite_database(client, login_as, breakage):
    breakage.disk_full(login_as().id)
    response = client.get("/healthz")
    assert response.status_code == 200  # pages can still be read (SPEC §4)
    assert response.get_json() == {"status": "degraded", "database": "not writable"}
