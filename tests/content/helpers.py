"""Shared values for the content tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "content"
MINIMAL_COURSE = {
    "courses/01-c/course.md": '---\ntitle: "C"\nsummary: "S"\n---\n',
    "courses/01-c/01-one.md": "# One\n",
}
