"""insert_or_ignore tells a new row from one already there, on SQLite and PostgreSQL."""

from __future__ import annotations

from learnapp.dbutil import insert_or_ignore
from learnapp.models import Organisation, now_utc


def test_insert_or_ignore_says_whether_it_inserted(app):
    row = {"name": "Ministry X", "kind": "other", "country": "", "pending": False}
    assert insert_or_ignore(Organisation, created_at=now_utc(), **row) is True
    assert insert_or_ignore(Organisation, created_at=now_utc(), **row) is False
