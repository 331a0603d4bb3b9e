"""Helpers for the tests that start real `learnapp serve` nodes (two nodes, shared limits)."""

from __future__ import annotations

import http.client
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

from tests.conftest import PASSWORD, POSTGRES_URL

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


def postgres_database(stack: ExitStack) -> str:
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


def redis_storage(stack: ExitStack, folder: Path) -> str:
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
    stack.callback(stop, process)
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


def stop(process: subprocess.Popen) -> None:
    """Stop one process started here, by its PID."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def serve(stack: ExitStack, env: dict, port: int, log: Path) -> subprocess.Popen:
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
    stack.callback(stop, process)
    return process


def wait_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"node on :{port} exited:\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            if Visitor().get(port, "/healthz")[0] == 200:
                return
        time.sleep(0.05)
    pytest.fail(f"node on :{port} did not answer:\n{log.read_text()[-3000:]}")


def create_learner(database_url: str, site: Path, instance: Path, email: str) -> None:
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
