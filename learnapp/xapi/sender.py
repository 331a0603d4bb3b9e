"""Delivering xAPI statements to the LRS: claim due rows, POST them, mark, retry with backoff.

This is the worker's edge (`learnapp worker`): it commits. Claiming, marking and the
backoff are the shared outbox's (learnapp/outbox.py). A batch goes in one POST; when
the LRS refuses a batch as a whole (400, 409, 413), each statement is sent alone, so one
bad statement cannot hold up the others. An LRS that cannot be reached, or answers with
an error of its own (5xx, 429, a refused login), leaves every statement to a later try.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from learnapp import outbox
from learnapp.extensions import db
from learnapp.models import XapiStatement
from learnapp.outbox import Delivery
from learnapp.xapi.statements import VERSION

TIMEOUT = 10
# Refusals that are about the statements themselves: sending them again cannot help.
PERMANENT = {400, 409, 413}


class InvalidXapiEndpoint(ValueError):
    """LEARNAPP_XAPI_ENDPOINT cannot be used; the message says why."""


class LrsRefused(Exception):
    """The LRS answered with an error status."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status


# What a try can end with: a refusal, or a connection that failed (refused, reset, timed
# out, TLS) or broke off mid-answer.
FAILURES = (LrsRefused, OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Lrs:
    """The Learning Record Store's xAPI endpoint (its base: `…/statements` is below it)."""

    endpoint: str
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def from_config(cls, config) -> Lrs | None:
        """The LRS of LEARNAPP_XAPI_ENDPOINT/USERNAME/PASSWORD, or None when unset."""
        endpoint = config.get("XAPI_ENDPOINT") or ""
        if not endpoint:
            return None
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidXapiEndpoint(
                "LEARNAPP_XAPI_ENDPOINT must be an http:// or https:// URL, "
                "such as https://lrs.example.org/xAPI/"
            )
        if parts.username or parts.password:
            raise InvalidXapiEndpoint(
                "LEARNAPP_XAPI_ENDPOINT must not hold credentials: "
                "set LEARNAPP_XAPI_USERNAME and LEARNAPP_XAPI_PASSWORD"
            )
        return cls(
            endpoint.rstrip("/") + "/",
            config.get("XAPI_USERNAME") or "",
            config.get("XAPI_PASSWORD") or "",
        )

    @property
    def statements_url(self) -> str:
        return self.endpoint + "statements"

    def describe(self) -> str:
        """Where statements go, without the password."""
        login = f" as {self.username}" if self.username else ""
        return f"{self.endpoint}{login}"

    def _request(self, method: str, url: str, body: bytes | None = None):
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("X-Experience-API-Version", VERSION)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.username or self.password:
            secret = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {secret}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            raise LrsRefused(error.code, error.read().decode(errors="replace")) from None

    def post(self, made: list[dict]) -> None:
        """Store the statements (an LRS keeps one copy of an id it already has)."""
        self._request("POST", self.statements_url, json.dumps(made).encode())

    def check(self) -> None:
        """One authenticated read: raises one of FAILURES when the LRS is not usable."""
        self._request("GET", self.statements_url + "?limit=1")


def configured_lrs() -> Lrs | None:
    """The LRS of the running app, or None when LEARNAPP_XAPI_ENDPOINT is unset."""
    return Lrs.from_config(current_app.config)


def _permanent(error: Exception) -> bool:
    return isinstance(error, LrsRefused) and error.status in PERMANENT


def deliver(lrs: Lrs, worker: str, ids: list[int], delivery: Delivery) -> bool:
    """Send the claimed statements; False when the LRS could not be used at all."""
    rows = list(
        db.session.scalars(
            db.select(XapiStatement).where(XapiStatement.id.in_(ids)).order_by(XapiStatement.id)
        )
    )
    pending = [(row.id, row.attempts, row.statement) for row in rows]
    db.session.commit()
    try:
        lrs.post([statement for _, _, statement in pending])
    except FAILURES as error:
        if not _permanent(error) or len(pending) == 1:
            for row_id, attempts, _ in pending:
                outbox.mark_failed(
                    XapiStatement, worker, row_id, attempts + 1, error, delivery,
                    permanent=_permanent(error),
                )  # fmt: skip
            return _permanent(error)
        return _one_by_one(lrs, worker, pending, delivery)
    ids = [row_id for row_id, _, _ in pending]
    outbox.mark_sent(XapiStatement, worker, ids, XapiStatement.attempts + 1, delivery)
    return True


def _one_by_one(lrs: Lrs, worker: str, pending: list, delivery: Delivery) -> bool:
    for index, (row_id, attempts, statement) in enumerate(pending):
        try:
            lrs.post([statement])
        except FAILURES as error:
            if not _permanent(error):  # the LRS itself fails: the rest wait too
                for rest_id, rest_attempts, _ in pending[index:]:
                    outbox.mark_failed(
                        XapiStatement, worker, rest_id, rest_attempts + 1, error, delivery
                    )
                return False
            outbox.mark_failed(
                XapiStatement, worker, row_id, attempts + 1, error, delivery, permanent=True
            )
            continue
        outbox.mark_sent(XapiStatement, worker, [row_id], attempts + 1, delivery)
    return True


def drain(lrs: Lrs, worker: str | None = None, batch: int = outbox.BATCH) -> Delivery:
    """Deliver every statement that is due now, batch after batch; stop while the LRS fails."""
    worker = worker or outbox.worker_name()
    delivery = Delivery()
    while ids := outbox.claim(XapiStatement, worker, batch):
        if not deliver(lrs, worker, ids, delivery):
            break  # the rows not claimed yet wait for the next round
    return delivery
