"""Where the third-party reference files are: ../shared/reference/fixtures beside the repo.

CI clones the repository next to ../shared; a git worktree may sit deeper, so the
nearest ancestor holding shared/ wins.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _find() -> Path:
    for folder in ROOT.parents:
        candidate = folder / "shared" / "reference" / "fixtures"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "reference" / "fixtures"


FIXTURES = _find()


def read(relative: str) -> str:
    path = FIXTURES / relative
    if not path.exists():
        message = f"reference fixture {path} is missing (../shared is laid beside the repo)"
        if os.environ.get("CI"):
            raise AssertionError(message)
        import pytest

        pytest.skip(message)
    return path.read_text(encoding="utf-8")


def load(relative: str) -> dict:
    return json.loads(read(relative))
