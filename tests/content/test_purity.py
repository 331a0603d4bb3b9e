"""The content core and quiz parsing/grading stay pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import learnapp

PACKAGE = Path(learnapp.__file__).parent
EDGE_MODULES = {"views.py", "forms.py", "service.py", "cli.py"}
PURE = sorted(
    [p for p in (PACKAGE / "content").glob("*.py") if p.name not in EDGE_MODULES]
    + [PACKAGE / "quizzes" / name for name in ("parse.py", "grading.py", "model.py")]
)
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "werkzeug")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", [p for p in PURE if p.exists()], ids=lambda p: p.name)
def test_module_imports_neither_flask_nor_sqlalchemy(path):
    bad = {name for name in _imports(path) if name.split(".")[0].startswith(FORBIDDEN)}
    assert not bad, f"{path.name} imports {sorted(bad)}"
