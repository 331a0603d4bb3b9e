"""The app answers only to its own host names (issue 13 item 3); links use the served address
(item 7)."""

from __future__ import annotations

import pytest

from learnapp import create_app
from tests.conftest import base_config


def test_a_foreign_host_header_gets_400_and_no_redirect_to_it(client):
    response = client.get("/admin", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")
    assert "Bad request" in response.get_data(as_text=True)


def test_a_foreign_forwarded_host_gets_400_behind_a_proxy(app):
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    response = proxied.test_client().get(
        "/admin", headers={"Host": "learn.example.org", "X-Forwarded-Host": "evil.example"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "host", ["learn.example.org", "localhost", "127.0.0.1:5123", "learn.example.org:443"]
)
def test_the_base_url_host_and_loopback_are_answered(client, host):
    response = client.get("/admin", headers={"Host": host})
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/admin/")


def test_trusted_hosts_come_from_the_base_url_the_served_host_and_the_setting(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("HOST", "10.0.0.11")
    monkeypatch.setenv("LEARNAPP_TRUSTED_HOSTS", "learn.example.net, .partner.example")
    app = create_app(base_config("sqlite://", tmp_path))
    client = app.test_client()
    for host in ("learn.example.org", "10.0.0.11:8000", "learn.example.net", "a.partner.example"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "partner.example.evil", "10.0.0.12"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 400, host


def test_without_a_base_url_it_is_derived_from_the_served_host_and_port(tmp_path, monkeypatch):
    monkeypatch.delenv("LEARNAPP_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "192.0.2.7")
    monkeypatch.setenv("PORT", "5101")
    config = base_config("sqlite://", tmp_path)
    del config["BASE_URL"]
    app = create_app(config)
    assert app.config["BASE_URL"] == "http://192.0.2.7:5101"
    assert app.test_client().get("/healthz", headers={"Host": "192.0.2.7:5101"}).status_code == 200
