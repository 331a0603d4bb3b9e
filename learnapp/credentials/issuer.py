"""Who signs: LearningAlliance as a did:web for the base URL, with its Ed25519 keys.

did:web (https://w3c-ccg.github.io/did-method-web/) resolves to {base URL}/.well-known/did.json
(or {base URL}/did.json when the base URL has a path), which the app serves. Each key's
verification method is `{did}#{publicKeyMultibase}`, so a rotated key stays listed, and
credentials signed with it stay verifiable, while it is in ISSUER_PREVIOUS_KEYS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from learnapp.credentials import keys

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def did_web(base_url: str) -> str:
    """did:web:host%3Aport:path for a base URL."""
    parts = urlsplit(base_url)
    host = quote(parts.netloc, safe="")
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *path])


def parse_key_list(value: str | list | tuple | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return tuple(item.strip() for item in value or () if item and item.strip())


@dataclass(frozen=True)
class Issuer:
    name: str
    base_url: str
    key: Ed25519PrivateKey
    previous_keys: tuple[str, ...] = ()  # public keys, multibase, of retired private keys

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Issuer:
        """From ISSUER, BASE_URL, ISSUER_KEY and ISSUER_PREVIOUS_KEYS (raises InvalidKey)."""
        previous = parse_key_list(config.get("ISSUER_PREVIOUS_KEYS"))
        for public in previous:
            keys.public_from_multibase(public)
        return cls(
            name=config["ISSUER"],
            base_url=config["BASE_URL"].rstrip("/"),
            key=keys.private_from_multibase(config["ISSUER_KEY"]),
            previous_keys=previous,
        )

    @property
    def did(self) -> str:
        return did_web(self.base_url)

    @property
    def public_key(self) -> str:
        return keys.public_multibase(self.key.public_key())

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.public_key}"

    def profile(self) -> dict:
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.base_url}

    def _methods(self) -> list[dict]:
        return [
            {
                "id": f"{self.did}#{public}",
                "type": "Multikey",
                "controller": self.did,
                "publicKeyMultibase": public,
            }
            for public in (self.public_key, *self.previous_keys)
        ]

    def did_document(self) -> dict:
        methods = self._methods()
        return {
            "@context": [DID_V1, MULTIKEY_V1],
            "id": self.did,
            "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods],
        }

    def resolve(self, verification_method: str) -> Ed25519PublicKey:
        """The public key of one of our verification methods (KeyError for any other)."""
        for method in self._methods():
            if method["id"] == verification_method:
                return keys.public_from_multibase(method["publicKeyMultibase"])
        raise KeyError(verification_method)
