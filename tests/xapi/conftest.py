"""A real Learning Record Store (Ralph, file-system backend, on 127.0.0.1) and the xAPI
validator of Learning Locker (npm `xapi-validation`, run by tests/xapi/validator/)."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tools import missing, node_json, npm_installed

RALPH = Path(__file__).parent / "ralph_lrs.py"
VALIDATOR = Path(__file__).parent / "validator"
VALIDATOR_FILES = ("package.json", "package-lock.json", "validate.js")
USERNAME, PASSWORD = "learnapp", "lrs password"
START_SECONDS = 60  # Ralph imports FastAPI and pydantic models: a few seconds on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    """Ralph's LRS in a process of its own; stop() and start() keep its statements."""

    def __init__(self, folder: Path):
        import bcrypt

        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        account = {
            "username": USERNAME,
            "hash": password_hash,
            "scopes": ["all"],
            "agent": {"mbox": "mailto:learnapp-tests@example.org"},
        }
        (folder / "auth.json").write_text(json.dumps([account]))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        environment = {
            **os.environ,
            "RALPH_APP_DIR": str(self.folder / "app"),
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
        }
        with open(self.folder / "ralph.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(RALPH), str(self.port)],
                cwd=self.folder,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self._url("/__heartbeat__"), timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        log = (self.folder / "ralph.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"Ralph did not start:\n{log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _request(self, path: str, body: bytes | None = None, method: str = "GET"):
        request = urllib.request.Request(self._url(path), data=body, method=method)
        secret = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {secret}")
        request.add_header("X-Experience-API-Version", "1.0.3")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def statements(self) -> list[dict]:
        """Every statement stored, as GET /xAPI/statements returns them (page after page)."""
        found, path = [], "/xAPI/statements?limit=100"
        while path:
            page = self._request(path)
            found += page["statements"]
            path = page.get("more") or ""
        return found

    def post(self, statements: list[dict]) -> None:
        self._request("/xAPI/statements", json.dumps(statements).encode(), "POST")


@pytest.fixture
def ralph(tmp_path):
    if importlib.util.find_spec("ralph") is None or importlib.util.find_spec("uvicorn") is None:
        missing("Ralph is needed: pip install -e '.[test]' (ralph-malph[lrs])")
    lrs = Ralph(tmp_path / "ralph")
    lrs.start()
    yield lrs
    lrs.stop()


@pytest.fixture(scope="session")
def validator() -> Path:
    return npm_installed(VALIDATOR, VALIDATOR_FILES, "xapi-validator")


def validation_problems(validator: Path, statements: list[dict]) -> list[list[str]]:
    """For each statement, what Learning Locker's validator finds wrong (empty: valid)."""
    return node_json(validator, "validate.js", statements)
