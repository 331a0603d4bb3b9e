"""Two app nodes (`learnapp serve`, 2 workers each) share one database and one Redis.

A learner logs in on node A and carries on on node B; failed logins are counted across
both; a certificate issued on A downloads from B byte for byte; a content change shows on
both. With LEARNAPP_TEST_DATABASE_URL (PostgreSQL, as in CI's second run) the nodes share
a scratch PostgreSQL database created here; otherwise a shared SQLite file. Redis is the
one on 127.0.0.1:6379 (an empty logical database, flushed afterwards) or, when that does
not answer, a private `redis-server` started for the test. In CI nothing here may skip.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, closing, suppress
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import FIXTURES, PASSWORD, POSTGRES_URL, migrate_to_head

pytestmark = pytest.mark.slow

LEARNAPP = Path(sys.executable).with_name("learnapp")
SECRET = "two-nodes-" + "5e" * 24
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ATTEMPT = re.compile(r'name="attempt_token" value="([^"]+)"')
OPTION = re.compile(
    r'name="(q[0-9a-f]+)" value="([0-9a-f]+)"[^>]*>\s*<label[^>]*>(.*?)</label>', re.S
)
SHORT = re.compile(r'type="text"[^>]*name="(q[0-9a-f]+)"')


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Visitor:
    """One browser: a cookie jar sent to whichever node it talks to; no redirects followed."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        for value in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def page(self, port: int, path: str) -> str:
        status, _, data = self.get(port, path)
        assert status == 200, f"GET {path} on :{port} gave {status}"
        return data.decode()

    def submit(self, port: int, path: str, form: dict | list, token_from: str):
        """POST a form with the CSRF token of a page (possibly served by the other node)."""
        token = CSRF.search(token_from).group(1)
        fields = list(form.items()) if isinstance(form, dict) else list(form)
        return self.request(port, "POST", path, [*fields, ("csrf_token", token)])

    def log_in(self, port: int, email: str, password: str):
        return self.submit(
            port, "/login", {"email": email, "password": password}, self.page(port, "/login")
        )


# ---------------------------------------------------------------- shared services


def _postgres_database(stack: ExitStack) -> str:
    """A scratch database on the PostgreSQL server of LEARNAPP_TEST_DATABASE_URL."""
    name = f"learnapp_twonode_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    stack.callback(drop)
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _redis(stack: ExitStack, folder: Path) -> str:
    """The URI of an empty Redis database that only this test uses."""
    import redis

    try:
        shared = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
        shared.ping()
    except redis.RedisError:
        shared = None
    if shared is not None:
        for number in random.sample(range(1, 16), 15):
            client = redis.Redis(host="127.0.0.1", port=6379, db=number)
            if client.dbsize() == 0:
                stack.callback(client.flushdb)
                return f"redis://127.0.0.1:6379/{number}"
    server = shutil.which("redis-server")
    if server is None:
        message = "no Redis on 127.0.0.1:6379 and no redis-server to start"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(_stop, process)
    private = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 5
    while True:
        try:
            private.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    return f"redis://127.0.0.1:{port}/0"


def _stop(process: subprocess.Popen) -> None:
    """Stop one process started here, by its PID."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _serve(stack: ExitStack, env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [
                str(LEARNAPP),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--threads",
                "2",
            ],
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    stack.callback(_stop, process)
    return process


def _wait_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"node on :{port} exited:\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            if Visitor().get(port, "/healthz")[0] == 200:
                return
        time.sleep(0.05)
    pytest.fail(f"node on :{port} did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture
def nodes(tmp_path):
    """Ports of nodes A and B, the content folder and the learner's e-mail."""
    with ExitStack() as stack:
        database_url = (
            _postgres_database(stack) if POSTGRES_URL else f"sqlite:///{tmp_path / 'shared.db'}"
        )
        migrate_to_head(database_url, tmp_path)
        site = tmp_path / "site"
        shutil.copytree(FIXTURES / "site", site)
        email = "two.nodes@example.org"
        _create_learner(database_url, site, tmp_path, email)
        ports = free_port(), free_port()
        env = {
            "LEARNAPP_DATABASE_URL": database_url,
            "LEARNAPP_SECRET_KEY": SECRET,
            "LEARNAPP_COURSES_DIR": str(site / "courses"),
            "LEARNAPP_QUIZZES_DIR": str(site / "quizzes"),
            "LEARNAPP_BASE_URL": f"http://127.0.0.1:{ports[0]}",
            "LEARNAPP_RATELIMIT_STORAGE_URI": _redis(stack, tmp_path),
        }
        started = [
            (
                port,
                _serve(stack, env, port, tmp_path / f"node-{port}.log"),
                tmp_path / f"node-{port}.log",
            )
            for port in ports
        ]
        for port, process, log in started:
            _wait_ready(port, process, log)
        yield ports, site, email


def _create_learner(database_url: str, site: Path, instance: Path, email: str) -> None:
    from learnapp import create_app
    from learnapp.auth import service
    from learnapp.extensions import db
    from tests.conftest import base_config

    config = base_config(database_url, instance)
    config.update(COURSES_DIR=str(site / "courses"), QUIZZES_DIR=str(site / "quizzes"))
    app = create_app(config)
    with app.app_context():
        service.create_user(email=email, name="Nadia Two-Nodes", password=PASSWORD)
        db.session.commit()
        db.engine.dispose()


# ---------------------------------------------------------------- the test


def test_two_nodes_share_sessions_limits_certificates_and_content(nodes):
    (a, b), site, email = nodes
    learner = Visitor()

    # Logged in on A, the same cookie is a session on B; forms from one node post to the other.
    assert learner.log_in(a, email, PASSWORD)[0] == 303
    course = learner.page(b, "/courses/basics")
    assert learner.submit(b, "/courses/basics/enrol", {}, course)[0] == 303
    first = learner.page(a, "/courses/basics/first-steps")
    status, headers, _ = learner.submit(b, "/courses/basics/first-steps/complete", {}, first)
    assert status == 303 and headers["Location"].endswith("/courses/basics/working-together")
    progress_a = json.loads(learner.page(a, "/me/data.json"))["lesson_completions"]
    progress_b = json.loads(learner.page(b, "/me/data.json"))["lesson_completions"]
    assert progress_a == progress_b and [c["lesson"] for c in progress_a] == ["first-steps"]

    # Failed logins alternate between the nodes (2 workers each): the 11th is refused.
    intruder = Visitor()
    statuses = [
        intruder.log_in((a, b)[n % 2], email, "not the password at all")[0] for n in range(11)
    ]
    assert statuses == [200] * 10 + [429], statuses

    # Finish the course: the quiz form comes from B, the answers go to A, which issues the
    # certificate; B serves the same bytes.
    second = learner.page(b, "/courses/basics/working-together")
    assert learner.submit(a, "/courses/basics/working-together/complete", {}, second)[0] == 303
    quiz = learner.page(b, "/courses/basics/quizzes/check")
    answers = [("attempt_token", ATTEMPT.search(quiz).group(1))]
    answers += [(f, v) for f, v, label in OPTION.findall(quiz) if "Geneva" in label]
    answers += [(SHORT.search(quiz).group(1), "171")]
    status, headers, _ = learner.submit(a, "/courses/basics/quizzes/check", answers, quiz)
    assert status == 303 and "/attempts/1" in headers["Location"]
    certificates = json.loads(learner.page(b, "/me/data.json"))["certificates"]
    assert len(certificates) == 1
    path = f"/certificates/{certificates[0]['code']}.pdf"
    from_a, from_b = learner.get(a, path), learner.get(b, path)
    assert from_a[0] == from_b[0] == 200
    assert from_b[1]["Content-Type"] == "application/pdf"
    assert from_a[2] == from_b[2] and from_b[2].startswith(b"%PDF")

    # A trainer's edit is served by both nodes within about 3 seconds, without a restart.
    lesson = site / "courses" / "01-basics" / "01-first-steps.md"
    lesson.write_text(lesson.read_text().replace("# First steps", "# First steps, revised"))
    changed = time.monotonic()
    seen: dict[int, float] = {}
    while len(seen) < 2 and time.monotonic() - changed < 5:
        for port in (a, b):
            if port not in seen and "First steps, revised" in learner.page(port, "/courses/basics"):
                seen[port] = time.monotonic() - changed
        time.sleep(0.1)
    assert set(seen) == {a, b}, f"not seen on every node within 5 s: {seen}"
    assert max(seen.values()) <= 3.0, seen
    for port in (a, b, a, b):  # every worker of both nodes now serves the new title
        assert "First steps, revised" in learner.page(port, "/courses/basics")
