"""The real app under gunicorn, as `learnapp serve` runs it, on its own port and database.

Each test gets a database of its own: a migrated SQLite file, or, when
LEARNAPP_TEST_DATABASE_URL names PostgreSQL, a freshly created database that is dropped
afterwards (never the shared `test` database, which the rest of the suite empties).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ISSUER_KEY, POSTGRES_URL, SITE_COURSES, SITE_QUIZZES, migrate_to_head

WORKERS, THREADS = 2, 4
LEARNAPP = Path(sys.executable).with_name("learnapp")  # the console script of this venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`learnapp serve` in a subprocess; its access and error logs go to one file."""

    def __init__(self, database_url: str, courses: Path, quizzes: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.log_path = log
        self.env = {
            **os.environ,
            "LEARNAPP_DATABASE_URL": database_url,
            "LEARNAPP_ISSUER_KEY": ISSUER_KEY,
            "LEARNAPP_SECRET_KEY": secrets.token_hex(32),  # shared by both workers
            "LEARNAPP_COURSES_DIR": str(courses),
            "LEARNAPP_QUIZZES_DIR": str(quizzes),
            "LEARNAPP_BASE_URL": self.url,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        command = (
            [str(LEARNAPP)]
            if LEARNAPP.exists()
            else [sys.executable, "-c", "from learnapp.cli import main; main()"]
        )
        command += ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(WORKERS), "--threads", str(THREADS)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.log_path.parent,
            )
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout: float = 30.0) -> None:
        """Until /healthz answers 200 and every worker is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"the server did not answer within {timeout} s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the children of the master process."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the kernel's OOM killer or a crash would; its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self, graceful: bool = True) -> None:
        """Shut down: gracefully (SIGTERM) as a service manager does, or quickly (SIGINT)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if graceful else signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def _postgres_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database next to the test one; dropped afterwards."""
    name = f"learnapp_stress_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def served_database(tmp_path) -> Iterator[str]:
    """The URL of an empty, migrated database for one server."""
    if POSTGRES_URL:
        with _postgres_database() as url:
            migrate_to_head(url, tmp_path)
            yield url
        return
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrate_to_head(url, tmp_path)
    yield url


@pytest.fixture
def site(tmp_path) -> Path:
    """A writable copy of the fixture site (courses/ and quizzes/)."""
    shutil.copytree(SITE_COURSES, tmp_path / "site" / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "site" / "quizzes")
    return tmp_path / "site"


@pytest.fixture
def serve(served_database, site, tmp_path) -> Iterator:
    """serve() starts (or restarts) the server; every server is stopped after the test."""
    servers: list[Server] = []

    def start(server: Server | None = None) -> Server:
        server = server or Server(
            served_database, site / "courses", site / "quizzes", tmp_path / "server.log"
        )
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop(graceful=False)
