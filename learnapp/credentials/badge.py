"""The OpenBadgeCredential for a certificate, built from plain values and signed.

Pure: no Flask, no database. The shape follows the 1EdTech Open Badges 3.0
AchievementCredential (tests validate every issued credential against its JSON Schema).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from learnapp.credentials import sign
from learnapp.credentials.issuer import Issuer
from learnapp.credentials.jsonld import OB_V3, VC_V2


@dataclass(frozen=True)
class Award:
    """What the credential says, as plain values."""

    code: str
    verify_url: str
    email: str
    course_url: str
    course_title: str
    course_summary: str
    course_language: str | None
    course_version: str
    issued_at: dt.datetime
    expires_on: dt.date | None
    status: dict  # the credentialStatus entry (status.entry)


def timestamp(moment: dt.datetime) -> str:
    """XML Schema dateTime in UTC, seconds precision: 2026-12-04T03:30:00Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity(email: str, salt: str) -> dict:
    """The learner, as a salted SHA-256 of the e-mail address (OB 3.0 IdentityObject)."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def open_badge(award: Award, issuer: Issuer, salt: str) -> dict:
    """The unsigned OpenBadgeCredential."""
    credential = {
        "@context": [VC_V2, OB_V3],
        "id": award.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.course_title,
        "description": f"Certificate {award.code}: {award.course_title}",
        "issuer": issuer.profile(),
        "validFrom": timestamp(award.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identity(award.email, salt)],
            "achievement": {
                "id": award.course_url,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": award.course_title,
                "description": award.course_summary or award.course_title,
                "criteria": {
                    "narrative": "Completed every lesson and passed every quiz of the course "
                    f"“{award.course_title}”."
                },
                "version": award.course_version,
            },
        },
        "credentialStatus": award.status,
    }
    if award.course_language:
        credential["credentialSubject"]["achievement"]["inLanguage"] = award.course_language
    if award.expires_on:
        credential["validUntil"] = f"{award.expires_on.isoformat()}T23:59:59Z"
    return credential


def issue(award: Award, issuer: Issuer, salt: str | None = None) -> str:
    """The signed credential as the JSON text to store and serve, unchanged, for good."""
    unsigned = open_badge(award, issuer, salt or secrets.token_hex(16))
    signed = sign.sign(unsigned, issuer.key, issuer.verification_method, timestamp(award.issued_at))
    return json.dumps(signed, ensure_ascii=False, indent=2)
