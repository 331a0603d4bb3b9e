"""Low bandwidth: compressed, fingerprinted, revalidated, small (issue 8)."""

import gzip
import re

COURSE = "/courses/basics"


def test_pages_are_compressed_when_the_client_accepts_it(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"Courses" in gzip.decompress(response.data)


def test_static_urls_are_fingerprinted_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{10}\.css)"', page).group(1)
    with client.get(css, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.headers["Content-Encoding"] == "gzip"
        assert b"font-face" not in gzip.decompress(response.data)  # no web font to download


def test_revisiting_an_unchanged_lesson_costs_a_304(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    first = client.get(f"{COURSE}/first-steps", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(
        f"{COURSE}/first-steps",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""
    client.submit(f"{COURSE}/first-steps/complete")
    changed = client.get(f"{COURSE}/first-steps", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200  # progress changed, so the page did


def compressed_size(client, path: str) -> int:
    with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        return len(response.data)


def test_lesson_page_with_css_and_js_is_under_60_kb_compressed(client, login_as, app):
    login_as()
    client.submit(f"{COURSE}/enrol")
    page = client.get(f"{COURSE}/first-steps").get_data(as_text=True)
    total = compressed_size(client, f"{COURSE}/first-steps")
    for url in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', page):
        total += compressed_size(client, url.replace("&amp;", "&"))
    assert total < 60 * 1024, f"{total} bytes"


def test_no_page_loads_anything_from_another_origin(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    for path in ("/", COURSE, f"{COURSE}/first-steps", "/me", "/verify", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path
