"""The database:// rate-limit storage (learnapp/ratelimit.py) counts exactly, under races too."""

from __future__ import annotations

import datetime as dt

from learnapp.extensions import db
from learnapp.models import RateLimitHit, now_utc
from learnapp.ratelimit import DatabaseStorage
from tests.conftest import run_at_once


def test_twenty_requests_at_once_get_exactly_ten_places(app):
    storage = DatabaseStorage("database://")

    def acquire() -> bool:
        with app.app_context():
            return storage.acquire_entry("login/203.0.113.7", limit=10, expiry=60)

    results = run_at_once(acquire, [()] * 20)
    assert results.count(True) == 10
    assert storage.get_moving_window("login/203.0.113.7", 10, 60)[1] == 10
    assert storage.acquire_entry("login/198.51.100.9", limit=10, expiry=60)  # another key


def test_requests_older_than_the_window_no_longer_count_and_are_deleted(app):
    storage = DatabaseStorage("database://")
    long_ago = now_utc() - dt.timedelta(minutes=5)
    expired = long_ago + dt.timedelta(seconds=60)
    db.session.add_all(
        RateLimitHit(key="k", cost=1, hit_at=long_ago, expires_at=expired) for _ in range(10)
    )
    db.session.commit()
    assert storage.get_moving_window("k", 10, 60)[1] == 0
    assert storage.acquire_entry("k", limit=10, expiry=60)
    assert db.session.scalar(db.select(db.func.count(RateLimitHit.id))) == 1


def test_the_fixed_window_counts_and_clears(app):
    storage = DatabaseStorage("database://")
    assert [storage.incr("fixed", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("fixed") == 3 and storage.get_expiry("fixed") > now_utc().timestamp()
    storage.clear("fixed")
    assert storage.get("fixed") == 0 and storage.check()
