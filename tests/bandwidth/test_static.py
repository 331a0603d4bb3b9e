"""Static files: fingerprinted, precompressed once, immutable, served before Flask (issue 18)."""

import gzip
import re
from pathlib import Path

import brotli
import pytest

from learnapp import assets, create_app
from learnapp.config import PROJECT_ROOT
from tests.conftest import statements

CSS = (PROJECT_ROOT / "static" / "css" / "app.css").read_bytes()


def css_url(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'href="(/static/css/app\.[0-9a-f]{10}\.css)"', page).group(1)


@pytest.mark.parametrize(
    "accept, encoding, decode",
    [
        ("br, gzip", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("", None, lambda data: data),
    ],
)
def test_the_fingerprinted_file_comes_in_the_best_encoding_the_client_takes(
    client, accept, encoding, decode
):
    with client.get(css_url(client), headers={"Accept-Encoding": accept}) as response:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == encoding
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.mimetype == "text/css"
        assert decode(response.data) == CSS


def test_the_fingerprinted_file_is_immutable_for_a_year_and_revalidates_to_304(client):
    url = css_url(client)
    with client.get(url) as first:
        assert first.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        etag = first.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""


def test_the_fingerprint_is_the_content_hash(client):
    name = css_url(client).rsplit("/", 1)[1]
    assert name == assets.fingerprinted_name("app.css", CSS)
    assert assets.fingerprinted_name("css/app.css", b"changed") != "css/" + name


def test_the_plain_url_still_works_but_is_cached_for_an_hour_only(client):
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=3600, public"
        assert gzip.decompress(response.data) == CSS


def test_static_files_carry_the_security_headers_and_no_cookie(client, login_as):
    login_as()
    with client.get(css_url(client)) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in response.headers
        assert "Access-Control-Allow-Origin" not in response.headers


def test_a_logged_in_static_request_sends_no_sql(client, login_as):
    login_as()
    url = css_url(client)
    with statements() as sent, client.get(url) as response:
        assert response.status_code == 200
    assert sent == []


def test_unknown_static_files_are_404(client):
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_files_are_compressed_once_then_reused(database_url, tmp_path, monkeypatch):
    from tests.conftest import base_config

    config = {**base_config(database_url, tmp_path), "STATIC_CACHE_DIR": str(tmp_path / "s")}
    create_app(config)
    cached = sorted(p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*"))
    hashed = assets.fingerprinted_name("css/app.css", CSS)
    assert {hashed, hashed + ".gz", hashed + ".br"} <= set(cached)
    assert not any(name.endswith((".ttf.br", ".ttf.gz")) for name in cached)  # binary

    calls = []
    monkeypatch.setattr(assets.brotli, "compress", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(assets.gzip, "compress", lambda *a, **k: calls.append(a))
    app = create_app(config)  # a second worker, or a restart: nothing is compressed again
    assert calls == []
    with app.test_client().get("/static/" + hashed, headers={"Accept-Encoding": "br"}) as response:
        assert brotli.decompress(response.data) == CSS


def test_a_changed_file_gets_a_new_url(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black }\n" * 40)
    first = assets.build(static, tmp_path / "cache")["css/site.css"]
    (static / "css" / "site.css").write_text("body { color: navy }\n" * 40)
    second = assets.build(static, tmp_path / "cache")["css/site.css"]
    assert first != second
    assert Path(tmp_path / "cache" / first).exists() and Path(tmp_path / "cache" / second).exists()


def test_a_range_and_a_head_are_answered(client):
    url = css_url(client)
    part = client.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == CSS[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(CSS)}"
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == len(CSS)


def test_no_file_is_left_open_for_the_server_to_close(client):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": css_url(client), "HTTP_ACCEPT_ENCODING": ""}
    files = client.application.extensions["learnapp.static"]
    body = files(environ, lambda status, headers: None)  # never closed, as a dropped client
    assert isinstance(body, list) and b"".join(body) == CSS
