"""Rate-limit counters in the app's own database, shared by every worker and every node.

Flask-Limiter counts through a storage of the `limits` library. Its `memory://` storage
counts in each worker process, so four gunicorn workers let four times the stated limit
through; Redis is shared but is one more server to run. This storage, registered with
`limits` under the scheme `database://` (the default LEARNAPP_RATELIMIT_STORAGE_URI),
keeps one row per counted request in the `rate_limit_hit` table: the moving window is
then the rows of a key younger than the window, and expired rows are deleted as new
ones come. Set `redis://…` to take that traffic off the database.

Counting and adding a row happen in one transaction that no other worker can interleave:
on SQLite the first statement is a write, which takes the database's single write lock;
on PostgreSQL a transaction-scoped advisory lock on the key serialises the workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from flask import Flask, request
from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Connection, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from learnapp.extensions import db, limiter
from learnapp.models import RateLimitHit, now_utc

KEY_LENGTH = 255


def _key(key: str) -> str:
    """The key as stored: a digest stands for an overlong one."""
    return key if len(key) <= KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _begin(connection: Connection, key: str, now: dt.datetime) -> None:
    """Take the lock that serialises counting for the key, and forget expired rows."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    # On SQLite this write takes the write lock, held until the transaction ends. On
    # PostgreSQL rows another worker is deleting are skipped, so two never wait on each other.
    expired = (
        select(RateLimitHit.id)
        .where(RateLimitHit.expires_at <= now)
        .limit(1000)
        .with_for_update(skip_locked=True)
    )
    connection.execute(delete(RateLimitHit).where(RateLimitHit.id.in_(expired)))


def _used(connection: Connection, key: str, since: dt.datetime) -> int:
    return connection.scalar(
        select(func.coalesce(func.sum(RateLimitHit.cost), 0)).where(
            RateLimitHit.key == key, RateLimitHit.hit_at > since
        )
    )


class DatabaseStorage(Storage, MovingWindowSupport):
    """`database://`: the moving and fixed windows, counted in the app's database."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    # The moving window (RATELIMIT_STRATEGY = "moving-window") -------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count `amount` more requests unless that would exceed `limit` within `expiry` s."""
        if amount > limit:
            return False
        key, now = _key(key), now_utc()
        with db.engine.begin() as connection:
            _begin(connection, key, now)
            if _used(connection, key, now - dt.timedelta(seconds=expiry)) + amount > limit:
                return False
            connection.execute(
                insert(RateLimitHit).values(
                    key=key, cost=amount, hit_at=now, expires_at=now + dt.timedelta(seconds=expiry)
                )
            )
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(start of the window, requests counted in it)."""
        since = now_utc() - dt.timedelta(seconds=expiry)
        with db.engine.connect() as connection:
            oldest, used = connection.execute(
                select(
                    func.min(RateLimitHit.hit_at), func.coalesce(func.sum(RateLimitHit.cost), 0)
                ).where(RateLimitHit.key == _key(key), RateLimitHit.hit_at > since)
            ).one()
        return (oldest.timestamp() if oldest else time.time()), int(used)

    # The fixed window: the rows of a key share the expiry of its first one --------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        key, now = _key(key), now_utc()
        with db.engine.begin() as connection:
            _begin(connection, key, now)
            ends = connection.scalar(
                select(func.min(RateLimitHit.expires_at)).where(RateLimitHit.key == key)
            )
            connection.execute(
                insert(RateLimitHit).values(
                    key=key,
                    cost=amount,
                    hit_at=now,
                    expires_at=ends or now + dt.timedelta(seconds=expiry),
                )
            )
            return _used(connection, key, dt.datetime.min.replace(tzinfo=dt.UTC))

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.coalesce(func.sum(RateLimitHit.cost), 0)).where(
                        RateLimitHit.key == _key(key), RateLimitHit.expires_at > now_utc()
                    )
                )
            )

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            ends = connection.scalar(
                select(func.min(RateLimitHit.expires_at)).where(
                    RateLimitHit.key == _key(key), RateLimitHit.expires_at > now_utc()
                )
            )
        return ends.timestamp() if ends else time.time()

    # Housekeeping --------------------------------------------------------------------

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitHit).where(RateLimitHit.key == _key(key)))

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitHit)).rowcount


# Pages read by GET that carry no limit: the limiter's bookkeeping (resolving the limits of
# the view, its blueprint and the defaults: ~0.1 ms, a fifth of the anonymous catalogue's
# cost) is skipped for them, its request hook not even called (init_app).
# tests/security/test_abuse_limits.py checks that none of them has a limit; give one a
# limit and take it out of this list.
UNLIMITED_READS = frozenset(
    {
        "health.healthz",
        "catalogue.index",
        "catalogue.course",
        "catalogue.asset",
        "progress.lesson",
        "certificates.download",
    }
)


def unlimited_read() -> bool:
    """A GET (or HEAD) of a page that no limit counts."""
    return request.method in ("GET", "HEAD") and request.endpoint in UNLIMITED_READS


def _check_limits() -> None:
    if not unlimited_read():
        limiter._check_request_limit()


def init_app(app: Flask) -> None:
    """Bind Flask-Limiter; `database://` is known to `limits` once this module is loaded.

    Its before-request hook is put behind unlimited_read(): the limiter itself asks its
    request filters only after resolving the view's limits."""
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not when disabled (RATELIMIT_ENABLED)
        hooks[hooks.index(limiter._check_request_limit)] = _check_limits
