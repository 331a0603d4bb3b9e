"""`NN-slug` names: the number only orders, the slug identifies (and is kept by renumbering)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

NAME = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)$")
NAME_RULE = "digits, a hyphen, then lower-case letters, digits and hyphens"
KEY_LENGTH = 10


def split_name(name: str, suffix: str = "") -> tuple[int, str] | None:
    """(number, slug) of a name like `02-the-bmu.md`, or None when it does not fit."""
    if suffix:
        if not name.endswith(suffix):
            return None
        name = name[: -len(suffix)]
    match = NAME.match(name)
    return (int(match.group(1)), match.group(2)) if match else None


def order_key(name: str, suffix: str = "") -> tuple[int, str]:
    """Sort key: by number, then by name (names that do not fit come last)."""
    parts = split_name(name, suffix)
    return (parts[0], name) if parts else (10**9, name)


def stable_key(text: str) -> str:
    """A short hash of `text` that survives changes of case and spacing (question keys)."""
    normal = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()[:KEY_LENGTH]
