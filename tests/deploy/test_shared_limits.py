"""The login throttle holds whatever the number of workers (issue 13 item 5).

`make run` starts several gunicorn workers; with counters kept in each worker's memory,
about 45 failed logins a minute got through instead of 10. Without Redis the counters are
kept in the app's database, which every worker (and every node) shares. Here a real
`learnapp serve` with four single-threaded workers and no LEARNAPP_RATELIMIT_STORAGE_URI
takes twenty failed logins, each on a new connection so that they spread over the workers.
"""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import ExitStack

import pytest

from tests.conftest import FIXTURES, ISSUER_KEY, PASSWORD, POSTGRES_URL, migrate_to_head
from tests.deploy.nodes import (
    LEARNAPP,
    Visitor,
    create_learner,
    free_port,
    postgres_database,
    stop,
    wait_ready,
)

pytestmark = pytest.mark.slow
WORKERS = 4


def _worker_pids(process: subprocess.Popen) -> set[int]:
    children = f"/proc/{process.pid}/task/{process.pid}/children"
    with open(children) as handle:
        return {int(pid) for pid in handle.read().split()}


@pytest.fixture
def server(tmp_path):
    """Port of a `learnapp serve --workers 4` on a fresh database, and a learner's e-mail."""
    with ExitStack() as stack:
        database_url = (
            postgres_database(stack) if POSTGRES_URL else f"sqlite:///{tmp_path / 'shared.db'}"
        )
        migrate_to_head(database_url, tmp_path)
        email = "throttled@example.org"
        create_learner(database_url, FIXTURES / "site", tmp_path, email)
        port = free_port()
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("LEARNAPP_")
        }
        environment.update(
            LEARNAPP_DATABASE_URL=database_url,
            LEARNAPP_ISSUER_KEY=ISSUER_KEY,
            LEARNAPP_SECRET_KEY="shared-limits-" + "5e" * 24,
            LEARNAPP_COURSES_DIR=str(FIXTURES / "site" / "courses"),
            LEARNAPP_QUIZZES_DIR=str(FIXTURES / "site" / "quizzes"),
        )
        log = tmp_path / "server.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen(
                [str(LEARNAPP), "serve", "--port", str(port)]
                + ["--workers", str(WORKERS), "--threads", "1"],
                env=environment,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        stack.callback(stop, process)
        wait_ready(port, process, log)
        deadline = time.monotonic() + 30
        while len(_worker_pids(process)) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        yield port, process, email


def test_failed_logins_are_counted_across_every_worker(server):
    port, process, email = server
    assert len(_worker_pids(process)) == WORKERS
    statuses = [Visitor().log_in(port, email, "not the password at all")[0] for _ in range(20)]
    assert statuses == [200] * 10 + [429] * 10, statuses
    # The limit is per address: from 127.0.0.1, even the right password waits a minute.
    assert Visitor().log_in(port, email, PASSWORD)[0] == 429
