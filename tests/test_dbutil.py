"""The shared database helpers, on SQLite and PostgreSQL alike."""

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
