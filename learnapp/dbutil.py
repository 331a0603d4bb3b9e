"""Small database helpers shared by the services."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from learnapp.extensions import db


def insert_or_ignore(model, **values) -> bool:
    """INSERT a row unless a unique constraint already holds it; True if inserted.

    One statement, so a double click or two racing workers cannot insert twice
    and nobody sees an IntegrityError.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1
