"""Links printed on certificates and reset pages use the served address (issue 13 item 7).

An issued PDF never changes, so a wrong verification address is permanent: `make run`
(which runs `learnapp serve --host $HOST --port $PORT`) derives the base URL from the
served address when it is not set, and `serve` and `doctor` warn loudly when it cannot be
right.
"""

from __future__ import annotations

import pytest

from learnapp import create_app, server
from learnapp.cli import main
from tests.conftest import base_config


@pytest.fixture
def started(monkeypatch, tmp_path):
    """What `learnapp serve` would hand to gunicorn, and the app a worker would build."""
    calls = []

    def fake_gunicorn(**options):
        config = base_config("sqlite://", tmp_path)
        del config["BASE_URL"]
        calls.append((options, create_app(config).config))  # as a worker's load() does

    monkeypatch.setattr(server, "run_gunicorn", fake_gunicorn)
    for name in ("HOST", "PORT", "LEARNAPP_BASE_URL"):
        monkeypatch.setenv(name, "")  # unset, and restored after `serve` sets HOST and PORT
    return calls


def test_serve_on_another_port_derives_the_base_url_from_it(started, tmp_path):
    app = create_app({**base_config("sqlite://", tmp_path), "BASE_URL": None})
    result = app.test_cli_runner().invoke(main, ["serve", "--port", "5101"])
    assert result.exit_code == 0, result.output
    options, worker_config = started[0]
    assert options["port"] == 5101
    assert worker_config["BASE_URL"] == "http://127.0.0.1:5101"
    assert worker_config["TRUSTED_HOSTS"][0] == "127.0.0.1"


def test_serve_warns_when_the_base_url_names_another_port(started, tmp_path):
    app = create_app({**base_config("sqlite://", tmp_path), "BASE_URL": "http://127.0.0.1:5000"})
    result = app.test_cli_runner().invoke(main, ["serve", "--port", "5101"])
    assert "WARNING: LEARNAPP_BASE_URL http://127.0.0.1:5000 names port 5000" in result.output
    assert "served on port 5101" in result.output
    assert started, "the server still starts"


def test_serve_warns_when_the_base_url_is_loopback_but_others_are_served(started, tmp_path):
    app = create_app({**base_config("sqlite://", tmp_path), "BASE_URL": "http://localhost:5000"})
    result = app.test_cli_runner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert "WARNING: LEARNAPP_BASE_URL http://localhost:5000 is a loopback address" in (
        result.output
    )
    assert "own computer" in result.output


def test_serve_is_quiet_about_a_public_base_url_behind_a_proxy(started, tmp_path):
    app = create_app(
        {
            **base_config("sqlite://", tmp_path),
            "BASE_URL": "https://learn.example.org",
            "TRUSTED_PROXIES": 1,
        }
    )
    result = app.test_cli_runner().invoke(main, ["serve", "--host", "10.0.0.11", "--port", "8000"])
    assert "WARNING" not in result.output


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"PORT": "5101"}, "names port 5000, but the app is served on port 5101"),
        ({"HOST": "0.0.0.0"}, "is a loopback address, but the app is served on 0.0.0.0:5000"),
    ],
)
def test_doctor_warns_when_the_base_url_misses_the_served_address(
    monkeypatch, tmp_path, environment, expected
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = create_app({**base_config("sqlite://", tmp_path), "BASE_URL": "http://127.0.0.1:5000"})
    result = app.test_cli_runner().invoke(main, ["doctor"])
    assert f"WARNING  base URL: LEARNAPP_BASE_URL http://127.0.0.1:5000 {expected}" in (
        result.output
    )
