"""Breaking the test database the way production breaks: read-only, or a full disk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from learnapp.extensions import db
from learnapp.models import Enrolment
from tests.conftest import POSTGRES_URL


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
