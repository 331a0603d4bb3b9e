"""`learnapp serve` sizes gunicorn for the machine: one worker per CPU, 8 threads each
(measured in bench/README.md: on 2 cores 2 x 8 served the most lesson pages; issue 18)."""

import pytest

from learnapp import create_app, server
from learnapp.cli import main
from tests.conftest import base_config


@pytest.mark.parametrize(("cpus", "workers"), [(None, 2), (1, 2), (2, 2), (4, 4), (32, 8)])
def test_one_worker_per_cpu_between_two_and_eight(monkeypatch, cpus, workers):
    monkeypatch.setattr(server.os, "cpu_count", lambda: cpus)
    assert server.default_workers() == workers


def test_serve_gives_each_worker_eight_threads_unless_told(monkeypatch, tmp_path):
    calls = []
    for name in ("HOST", "PORT"):
        monkeypatch.setenv(name, "")  # restored after `serve` sets them
    monkeypatch.setattr(server, "run_gunicorn", lambda **options: calls.append(options))
    runner = create_app(base_config("sqlite://", tmp_path)).test_cli_runner()
    assert runner.invoke(main, ["serve"]).exit_code == 0
    assert runner.invoke(main, ["serve", "--workers", "3", "--threads", "2"]).exit_code == 0
    assert (calls[0]["workers"], calls[0]["threads"]) == (None, 8)
    assert (calls[1]["workers"], calls[1]["threads"]) == (3, 2)
