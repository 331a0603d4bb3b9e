"""docs/security.md names only tests that exist, so the map cannot quietly go stale."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DOC = TESTS.parent / "docs" / "security.md"
REFERENCE = re.compile(r"`((?:[\w/]+\.py)?)::([\w:]+)`")


def defined_tests(path: Path) -> set[str]:
    """`test_x` and `TestY::test_z` names defined in a test module."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef)
            )
    return names


def test_every_test_named_in_the_security_map_exists():
    references, module = [], None
    for path, name in REFERENCE.findall(DOC.read_text()):
        module = path or module  # `::name` continues the module named before it
        references.append((module, name))
    assert len(references) > 50
    missing = [
        f"{module}::{name}"
        for module, name in references
        if name not in defined_tests(TESTS / module)
    ]
    assert missing == []
