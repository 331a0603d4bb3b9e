"""The transactional outbox, shared by e-mail (learnapp/mail) and xAPI (learnapp/xapi).

A row is added in the transaction of the change that causes it, so a rolled-back change
sends nothing and a committed one loses nothing. `learnapp worker` delivers the rows:
it claims due rows atomically, sends them, marks each sent, or retries it later with
backoff, and after the last attempt (or a permanent refusal) marks it failed.

A claim is one UPDATE of the due rows that are not claimed (or whose claim has expired);
on PostgreSQL its subquery locks the rows with `FOR UPDATE SKIP LOCKED`, so concurrent
workers take disjoint rows without waiting; on SQLite the UPDATE takes the single write
lock. A worker that dies after its claim leaves the rows to whoever claims them once
`claimed_until` has passed. These functions are the worker's edge: they commit.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import or_, update

from learnapp.extensions import db
from learnapp.models import now_utc

BATCH = 50
CLAIM_SECONDS = 300  # far longer than a batch takes: an expired claim means a dead worker
MAX_ATTEMPTS = 8  # about 4 hours of retries (1, 2, 4 … 64 minutes apart)


@dataclass
class Delivery:
    """What one drain did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the given number of failed attempts."""
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 6 * 60))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:100]


def claim(model, worker: str, limit: int = BATCH, seconds: int = CLAIM_SECONDS) -> list[int]:
    """Claim up to `limit` due rows of the outbox `model` for this worker, committed; ids."""
    db.session.commit()  # the claim must be its transaction's first statement
    now = now_utc()
    due = (
        db.select(model.id)
        .where(
            model.sent_at.is_(None),
            model.failed_at.is_(None),
            model.due_at <= now,
            or_(model.claimed_until.is_(None), model.claimed_until < now),
        )
        .order_by(model.due_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = db.session.scalars(
        update(model)
        .where(model.id.in_(due))
        .values(claimed_until=now + dt.timedelta(seconds=seconds), claimed_by=worker)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(ids)


def mark(model, worker: str, ids: list[int], **values) -> None:
    """Release this worker's claim on the rows with new values, committed."""
    db.session.execute(
        update(model)
        .where(model.id.in_(ids), model.claimed_by == worker)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def mark_sent(model, worker: str, ids: list[int], attempts, delivery: Delivery, **values) -> None:
    """The rows were delivered after `attempts` tries, this one included (a number, or an
    SQL expression such as `model.attempts + 1` for rows that differ)."""
    mark(model, worker, ids, sent_at=now_utc(), attempts=attempts, last_error="", **values)
    delivery.sent += len(ids)


def mark_failed(
    model,
    worker: str,
    row_id: int,
    attempts: int,
    error: BaseException,
    delivery: Delivery,
    *,
    permanent: bool = False,
) -> None:
    """A failed try (`attempts` counts it): later with backoff, or failed for good after the
    last attempt or a permanent refusal."""
    text = f"{type(error).__name__}: {error}"[:2000]
    if permanent or attempts >= MAX_ATTEMPTS:
        mark(model, worker, [row_id], attempts=attempts, last_error=text, failed_at=now_utc())
        delivery.failed += 1
    else:
        due = now_utc() + backoff(attempts)
        mark(model, worker, [row_id], attempts=attempts, last_error=text, due_at=due)
        delivery.retrying += 1


# What an administrator sees and does --------------------------------------------------


def counts(model) -> dict[str, int]:
    """How many rows are queued, sent and failed."""
    status = db.case(
        (model.sent_at.is_not(None), "sent"),
        (model.failed_at.is_not(None), "failed"),
        else_="queued",
    )
    rows = db.session.execute(db.select(status, db.func.count()).group_by(status)).all()
    return {"queued": 0, "sent": 0, "failed": 0, **dict(rows)}


def late(model, minutes: int = 10) -> int:
    """How many rows were due more than `minutes` ago and are still not sent."""
    return db.session.scalar(
        db.select(db.func.count(model.id)).where(
            model.sent_at.is_(None),
            model.failed_at.is_(None),
            model.due_at < now_utc() - dt.timedelta(minutes=minutes),
        )
    )


def retry_failed(model, row_id: int | None = None) -> int:
    """Queue failed rows (one, or all) again with fresh attempts; how many."""
    query = db.update(model).where(model.failed_at.is_not(None))
    if row_id is not None:
        query = query.where(model.id == row_id)
    result = db.session.execute(
        query.values(failed_at=None, attempts=0, due_at=now_utc(), claimed_until=None)
    )
    return result.rowcount


def purge_sent(model, days: int = 90) -> int:
    """Forget rows sent more than `days` ago."""
    before = now_utc() - dt.timedelta(days=days)
    result = db.session.execute(db.delete(model).where(model.sent_at < before))
    return result.rowcount
