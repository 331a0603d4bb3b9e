"""The issuer's Ed25519 key: multibase encodings, loading and generating it.

The private key is kept like the secret key: `LEARNAPP_ISSUER_KEY` (the same on every
node) or, when unset, `instance/issuer_key` generated once with mode 0600. Both hold the
multibase private key (`z` + base58btc of 0x8026 + the 32-byte seed), the form the W3C
test vectors use.
"""

from __future__ import annotations

import os
from pathlib import Path

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519_PUBLIC_PREFIX = b"\xed\x01"  # multicodec ed25519-pub
ED25519_PRIVATE_PREFIX = b"\x80\x26"  # multicodec ed25519-priv
KEY_FILE = "issuer_key"


class InvalidKey(ValueError):
    """Not an Ed25519 key in the expected encoding."""


def _decode_multibase(text: str, prefix: bytes, what: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise InvalidKey(f"{what} must be multibase base58btc (starting with z)")
    try:
        raw = base58.b58decode(text[1:])
    except ValueError as error:
        raise InvalidKey(f"{what} is not base58btc") from error
    if len(raw) != len(prefix) + 32 or not raw.startswith(prefix):
        raise InvalidKey(f"{what} is not a multicodec Ed25519 key")
    return raw[len(prefix) :]


def encode_signature(signature: bytes) -> str:
    return "z" + base58.b58encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise InvalidKey("proofValue must be multibase base58btc (starting with z)")
    try:
        return base58.b58decode(text[1:])
    except ValueError as error:
        raise InvalidKey("proofValue is not base58btc") from error


def public_multibase(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUBLIC_PREFIX + raw).decode("ascii")


def public_from_multibase(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        _decode_multibase(text, ED25519_PUBLIC_PREFIX, "publicKeyMultibase")
    )


def private_multibase(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return "z" + base58.b58encode(ED25519_PRIVATE_PREFIX + raw).decode("ascii")


def private_from_multibase(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        _decode_multibase(text.strip(), ED25519_PRIVATE_PREFIX, "the issuer key")
    )


def load_or_create(instance_path: str) -> str:
    """The multibase key in instance/issuer_key, generated once (mode 0600)."""
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(private_multibase(Ed25519PrivateKey.generate()) + "\n")
    return path.read_text().strip()
