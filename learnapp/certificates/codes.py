"""Certificate codes: random, unguessable, easy to read aloud and type (SPEC §3).

A code is ``LA-`` followed by 20 Crockford base32 symbols (100 random bits) in five
groups of four, e.g. ``LA-7Q3K-M2XH-9PRT-4D6W-ZC8N``. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I L O U
PREFIX = "LA"
GROUPS = 5
GROUP_SIZE = 4
SYMBOLS = GROUPS * GROUP_SIZE  # 20 symbols x 5 bits = 100 bits
CODE_RE = re.compile(rf"^{PREFIX}(-[{ALPHABET}]{{{GROUP_SIZE}}}){{{GROUPS}}}$")

# Crockford's decoding rules for what people misread or mistype.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Hyphens, dashes, dots, underscores and any whitespace people (or PDF viewers) put in.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.·/]+")


def new_code() -> str:
    """Return a fresh random code such as ``LA-7Q3K-M2XH-9PRT-4D6W-ZC8N``."""
    bits = secrets.randbits(SYMBOLS * 5)
    symbols = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(SYMBOLS))
    return _format(symbols)


def normalise_code(text: str) -> str | None:
    """Return the canonical form of a typed code, or None if it cannot be one."""
    if not isinstance(text, str):
        return None
    # NFKC folds full-width letters and digits (common with some keyboards) to ASCII.
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    # The prefix is optional; it is recognised by length because a body may start "LA".
    if len(cleaned) == len(PREFIX) + SYMBOLS and cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    if len(cleaned) != SYMBOLS:
        return None
    body = cleaned.translate(_LOOKALIKES)
    if any(ch not in ALPHABET for ch in body):  # U, punctuation, other scripts
        return None
    return _format(body)


def _format(symbols: str) -> str:
    groups = (symbols[i : i + GROUP_SIZE] for i in range(0, SYMBOLS, GROUP_SIZE))
    return "-".join((PREFIX, *groups))
