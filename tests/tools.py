"""Helpers for tests that run tools of other ecosystems (Node packages, a real LRS).

A missing tool skips the test on a developer's machine and fails it in CI (CI=true),
where scripts/system-packages.sh and the test extras must have installed it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def missing(message: str) -> None:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def npm_installed(source: Path, files: tuple[str, ...], name: str) -> Path:
    """A copy of the folder `source` (its `files`, package-lock.json among them) with its
    node_modules installed by `npm ci` from the lockfile, cached by the files' contents."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        missing("node and npm are needed (apt-get install nodejs npm)")
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(b"".join((source / f).read_bytes() for f in files)).hexdigest()
    folder = root / "learnapp-tests" / f"{name}-{digest[:16]}"
    if not (folder / "node_modules" / ".installed").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(source / file, folder / file)
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            timeout=300,
        )
        (folder / "node_modules" / ".installed").touch()
    return folder


def node_json(folder: Path, script: str, payload) -> object:
    """Run `node script` in the folder with the payload as JSON on stdin; its JSON answer."""
    result = subprocess.run(
        ["node", script],
        cwd=folder,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
