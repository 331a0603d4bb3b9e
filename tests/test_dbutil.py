"""The shared database helpers, on SQLite and PostgreSQL alike."""

import time

from learnapp import extensions
from learnapp.dbutil import insert_or_ignore, without_jit
from learnapp.extensions import db
from learnapp.models import Enrolment, now_utc


def test_insert_or_ignore_says_whether_it_inserted(app, make_user):
    user = make_user()
    values = {"user_id": user.id, "course_slug": "basics", "enrolled_at": now_utc()}
    assert insert_or_ignore(Enrolment, **values) is True
    assert insert_or_ignore(Enrolment, **values) is False
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment)) == 1


def test_without_jit_lasts_for_the_transaction_only(app):
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        without_jit(connection)  # nothing to do on SQLite, and no error
        return
    before = connection.exec_driver_sql("SHOW jit").scalar()
    without_jit(connection)
    assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    db.session.rollback()
    assert db.session.connection().exec_driver_sql("SHOW jit").scalar() == before


def test_a_connection_broken_while_idle_is_replaced_not_failing_the_request(app, monkeypatch):
    with db.engine.connect() as connection:
        pooled = connection.connection.dbapi_connection
    pooled.close()  # back in the pool, then broken behind its back (a database restart)
    later = time.monotonic() + extensions.PING_AFTER_IDLE_SECONDS
    monkeypatch.setattr(extensions.time, "monotonic", lambda: later)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_a_connection_in_steady_use_is_not_pinged(app, monkeypatch):
    pings = []
    monkeypatch.setattr(extensions, "ping", pings.append)
    for _ in range(3):
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    assert pings == []
    later = time.monotonic() + extensions.PING_AFTER_IDLE_SECONDS
    monkeypatch.setattr(extensions.time, "monotonic", lambda: later)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert len(pings) == 1
