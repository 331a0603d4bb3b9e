"""Names of people and organisations: visible text only, one rule for every form and command.

A right-to-left override prints a name reversed on a certificate, a zero-width space alone
prints a blank one, and control characters end up in exports and terminals. Refused:
Unicode control and format characters (categories Cc and Cf, which include the bidi
overrides, isolates and marks), surrogates and private-use characters, except the
zero-width non-joiner and joiner that Persian and Arabic names may need.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
INVISIBLE = _l("Use visible characters only: no control, formatting or direction-changing ones.")
NO_LETTER = _l("Enter a name with at least one letter.")


class InvalidName(ValueError):
    """The name holds an invisible character or no letter; `message` says which."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def clean_text(value: str) -> str:
    """Spaces collapsed, NFC; raises InvalidName on an invisible or direction-changing character."""
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if any(
        unicodedata.category(char) in REFUSED_CATEGORIES and char not in JOINERS for char in value
    ):
        raise InvalidName(INVISIBLE)
    return value


def clean_name(value: str) -> str:
    """clean_text, and at least one letter: a person's or an organisation's name."""
    value = clean_text(value)
    if not any(unicodedata.category(char).startswith("L") for char in value):
        raise InvalidName(NO_LETTER)
    return value


class VisibleName:
    """WTForms validator: the same rule as clean_name (or clean_text with letter=False)."""

    def __init__(self, letter: bool = True) -> None:
        self.clean = clean_name if letter else clean_text

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            self.clean(field.data)
        except InvalidName as error:
            raise ValidationError(error.message) from error
