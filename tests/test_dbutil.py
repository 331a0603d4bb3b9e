"""The shared database helpers, on SQLite and PostgreSQL alike."""

from learnapp.dbutil import insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Enrolment, now_utc


def test_insert_or_ignore_says_whether_it_inserted(app, make_user):
    user = make_user()
    values = {"user_id": user.id, "course_slug": "basics", "enrolled_at": now_utc()}
    assert insert_or_ignore(Enrolment, **values) is True
    assert insert_or_ignore(Enrolment, **values) is False
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment)) == 1
