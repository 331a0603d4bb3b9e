"""Small database helpers shared by the services."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.extensions import db

# The largest id a database column holds here (PostgreSQL's integer): routes, forms and
# lookups refuse anything larger before it reaches the database.
MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """A database id written as plain digits, or None for anything else."""
    if text and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


@dataclass(frozen=True)
class Paging:
    """Which page of a list is shown: `page` is 1-based and always exists."""

    total: int
    page: int
    pages: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(total: int, page: int, per_page: int) -> Paging:
    """The page asked for, clamped to the pages there are (one page even when empty)."""
    pages = max(1, -(-total // per_page))
    return Paging(total, min(max(page, 1), pages), pages, per_page)


# The statements of insert_or_ignore and insert_or_ignore_returning by (model, dialect,
# returning), built once: building one costs more than running it; values go as parameters.
_INSERTS_OR_IGNORE: dict = {}


def _insert_or_ignore(model, returning: bool):
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS_OR_IGNORE.get((model, dialect, returning))
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        if returning:  # an ORM insert: the row comes back as the model's object
            statement = insert(model).on_conflict_do_nothing().returning(model)
        else:
            # SQLAlchemy reports an INSERT's rowcount on PostgreSQL (psycopg) only when asked.
            statement = (
                insert(model.__table__)
                .on_conflict_do_nothing()
                .execution_options(preserve_rowcount=True)
            )
        _INSERTS_OR_IGNORE[model, dialect, returning] = statement
    return statement


def insert_or_ignore(model, **values) -> bool:
    """INSERT a row unless a unique constraint already holds it; True if inserted.

    One statement, so a double click or two racing workers cannot insert twice
    and nobody sees an IntegrityError.
    """
    return db.session.execute(_insert_or_ignore(model, False), values).rowcount == 1


def insert_or_ignore_returning(model, **values):
    """Like insert_or_ignore, but the inserted row as an object of `model`, or None
    (INSERT ... RETURNING: no second statement to read the row back)."""
    return db.session.scalars(_insert_or_ignore(model, True), [values]).first()


def without_jit(connection) -> None:
    """No PostgreSQL JIT for the rest of this transaction (nothing to do on SQLite).

    The reports' correlated subqueries cost enough to cross PostgreSQL's JIT threshold,
    and compiling them takes longer than running them (about 0.7 s of a 1.2 s completions
    CSV at 10,000 learners). SET LOCAL also holds behind PgBouncer in transaction mode.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")


# Rows per INSERT statement of insert_many: well under SQLite's 32,766 bound parameters.
INSERT_BATCH = 1000


def insert_many(model, rows: list[dict], returning: tuple = ()) -> list:
    """INSERT many rows set-based, skipping any a unique constraint already holds.

    One executemany, which SQLAlchemy sends as multi-row INSERTs of INSERT_BATCH rows
    ("insertmanyvalues", one compiled statement): 10,000 rows are ten statements, not
    10,000 round trips. With `returning` (columns of `model`), the rows actually inserted.
    """
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model.__table__).on_conflict_do_nothing()
    if returning:
        statement = statement.returning(*returning)
    inserted = []
    for start in range(0, len(rows), INSERT_BATCH):
        result = db.session.execute(statement, rows[start : start + INSERT_BATCH])
        if returning:
            inserted += result.all()
    return inserted


# What "the database cannot save" looks like: SQLite's result codes (the primary code,
# the low byte of an extended one) and PostgreSQL's SQLSTATEs.
_SQLITE_CANNOT_SAVE = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR}
_POSTGRES_CANNOT_SAVE = {
    "53100",  # disk_full
    "25006",  # read_only_sql_transaction (default_transaction_read_only, a standby)
    "58030",  # io_error
}
# Below this much free space beside a SQLite file, /healthz says it cannot save.
MIN_FREE_BYTES = 8 * 1024 * 1024


def cannot_save(error: BaseException) -> bool:
    """True for a disk-full, read-only or I/O error of the database (not a bug of ours)."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_CANNOT_SAVE
    return getattr(original, "sqlstate", None) in _POSTGRES_CANNOT_SAVE


def database_writable() -> bool:
    """Whether the database can take a write now, judged without writing (cheap, no lock)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # True on a hot standby, or with default_transaction_read_only set.
        read_only = "SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery()"
        return not connection.scalar(text(read_only))
    if connection.scalar(text("PRAGMA query_only")):
        return False
    pages = connection.scalar(text("PRAGMA page_count"))
    if pages >= connection.scalar(text("PRAGMA max_page_count")) and not connection.scalar(
        text("PRAGMA freelist_count")
    ):
        return False
    path = connection.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return True
    folder = os.path.dirname(os.path.abspath(path))
    try:
        space = os.statvfs(folder)
    except OSError:
        return False
    return space.f_bavail * space.f_frsize >= MIN_FREE_BYTES and os.access(folder, os.W_OK)
