"""Helpers for the pure content tests: fixture trees and small course folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import FIXTURES


@pytest.fixture
def valid_tree(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture (courses/ and quizzes/ under the returned root)."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "site")
    return tmp_path / "site"


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write {relative path: text or bytes} under a fresh root and return the root."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "tree"
        (root / "courses").mkdir(parents=True, exist_ok=True)
        (root / "quizzes").mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make
