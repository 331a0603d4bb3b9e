"""Shared pieces of the security tests: hostile values and a check that a response was handled."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from hypothesis import strategies as st

from learnapp.auth import service

TRACEBACK = b"Traceback (most recent call last)"

# Values that broke web apps somewhere: empty, NUL and other control characters, bidi and
# byte-order marks, traversal, percent-escapes, overlong strings, numbers out of range,
# markup and SQL, and the names of real courses, lessons and quizzes of the fixture site.
NASTY = [
    "", " ", "\x00", "a\x00b", "\n", "\r\n", "x\nFORGED LINE", "\t", "\x1b[31m", "\x7f",
    "\u202e", "\ufeff", "\u2028", "𝕏", "العربية", "Ωμέγα", "..", "../", "..\\..\\", "%00",
    "%ff", "%", "%2e%2e%2f", "/etc/passwd", "C:\\boot.ini", "-1", "0", "00", "1e309",
    "9" * 40, "NaN", "true", "null", "[]", "{}", "<script>alert(1)</script>",
    "' OR 1=1 --", '"', "\\", "{{7*7}}", "LA-0000-0000-0000-0000-0000", "basics",
    "integrity", "first-steps", "working-together", "check", "secret", "other",
    "x" * 10_000, "é" * 5_000,
]  # fmt: skip
TEXT = st.sampled_from(NASTY) | st.text(max_size=40) | st.text(max_size=3).map(lambda s: s * 999)


def assert_handled(response) -> None:
    """The app answered on purpose: no server error and no traceback in the body."""
    body = response.get_data()
    assert response.status_code < 500, (response.status_code, body[:500])
    assert TRACEBACK not in body


_FIELD = re.compile(r'name="([^"]+)"')


def field_names(html: str) -> list[str]:
    """The names of the form fields on a page."""
    return sorted(set(_FIELD.findall(html)))


@pytest.fixture
def learner(client, login_as):
    """A learner, logged in on `client` and enrolled in both published fixture courses."""
    user = login_as()
    for course in ("basics", "integrity"):
        client.submit(f"/courses/{course}/enrol")
    return user


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Argon2id at its cheapest: these tests are about input and limits, not hashing cost."""
    monkeypatch.setattr(service, "_hasher", PasswordHasher(1, 8, 1))
