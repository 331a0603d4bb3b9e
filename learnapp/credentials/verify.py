"""Checking a credential someone pasted or uploaded: signature, issuer, status, dates.

Pure apart from `issued`, which the caller passes in: it gives the credential we stored
for a status-list position and whether that certificate is revoked. A pasted document
must equal one we stored before it is canonicalised: RDF canonicalisation of a crafted
document can take exponential time (poison graphs), so strangers' JSON-LD never reaches
it. Hostile input gets a `Rejected` with a reason code, never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from learnapp.credentials import sign
from learnapp.credentials.issuer import Issuer

MAX_BYTES = 64 * 1024
MAX_DEPTH = 32


class Rejected(ValueError):
    """Not a credential we can check; the message says why."""


@dataclass(frozen=True)
class Verdict:
    status: str  # "valid", "revoked", "expired" or "not_yet_valid"
    name: str
    verify_url: str
    valid_from: str
    valid_until: str | None


def _depth(value, level: int = 0) -> int:
    """How deeply the JSON value nests (counting stops past MAX_DEPTH)."""
    if level > MAX_DEPTH or not isinstance(value, dict | list):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children), default=level + 1)


def parse(data: bytes | str) -> dict:
    """The credential as a JSON object, or Rejected."""
    if len(data) > MAX_BYTES:
        raise Rejected("too_large")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise Rejected("not_json") from error
    if not isinstance(document, dict):
        raise Rejected("not_credential")
    if _depth(document) > MAX_DEPTH:
        raise Rejected("not_credential")
    return document


def _moment(value) -> dt.datetime:
    if not isinstance(value, str):
        raise Rejected("not_credential")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise Rejected("not_credential") from error
    if moment.tzinfo is None:
        raise Rejected("not_credential")
    return moment


Issued = Callable[[str, int], tuple[str | None, bool] | None]


def check(document: dict, issuer: Issuer, issued: Issued, now: dt.datetime) -> Verdict:
    """Verify one of our credentials; Rejected says what is wrong with it.

    `issued(status list URL, index)` is (the stored credential text, revoked), or None.
    """
    types = document.get("type")
    if not isinstance(types, list) or "OpenBadgeCredential" not in types:
        raise Rejected("not_credential")
    profile = document.get("issuer")
    if not isinstance(profile, dict) or profile.get("id") != issuer.did:
        raise Rejected("other_issuer")
    status = document.get("credentialStatus")
    try:
        list_url = status["statusListCredential"]
        index = int(status["statusListIndex"])
    except (TypeError, KeyError, ValueError) as error:
        raise Rejected("not_credential") from error
    record = issued(list_url, index) if isinstance(list_url, str) else None
    stored, revoked = record or (None, False)
    if stored is None or json.loads(stored) != document:
        raise Rejected("bad_signature")

    def resolve(method: str):
        try:
            return issuer.resolve(method)
        except KeyError:
            raise sign.InvalidProof("not one of our keys") from None

    try:
        sign.verify(document, resolve)
    except sign.InvalidProof as error:
        raise Rejected("bad_signature") from error
    except (ValueError, TypeError, RecursionError) as error:  # malformed JSON-LD
        raise Rejected("not_credential") from error

    valid_from = _moment(document.get("validFrom"))
    valid_until = document.get("validUntil")
    if revoked:
        outcome = "revoked"
    elif valid_until is not None and _moment(valid_until) < now:
        outcome = "expired"
    elif valid_from > now:
        outcome = "not_yet_valid"
    else:
        outcome = "valid"
    return Verdict(
        outcome,
        str(document.get("name", "")),
        str(document.get("id", "")),
        document["validFrom"],
        valid_until,
    )
