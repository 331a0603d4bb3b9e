"""A database that cannot save: a 503 "try again" page and an honest /healthz (issue 13.14).

A full disk gave every write the generic 500 while /healthz still said ok. Each test
breaks the test database the way production breaks it, for the app's own connections:
SQLite with `PRAGMA query_only` (read-only) or `PRAGMA max_page_count` at its size (full);
PostgreSQL with `default_transaction_read_only` or a trigger raising SQLSTATE 53100.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import POSTGRES_URL
from tests.storage import Breakage

SORRY = "We cannot save right now; nothing you did was lost, try again in a moment."


@pytest.fixture
def breakage(app) -> Iterator[Breakage]:
    broken = Breakage()
    yield broken
    broken.repair()


def assert_cannot_save(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert SORRY in page
    assert response.headers["Retry-After"]


def test_a_read_only_database_gives_the_try_again_page(client, login_as, breakage):
    login_as()
    breakage.read_only()
    assert_cannot_save(client.submit("/courses/basics/enrol"))
    assert client.get("/").status_code == 200  # reading still works


@pytest.mark.parametrize(
    "language, phrase",
    [
        ("fr", "Nous ne pouvons pas enregistrer pour le moment"),
        ("ar", "لا يمكننا الحفظ الآن"),
    ],
)
def test_the_try_again_page_is_translated(client, login_as, breakage, language, phrase):
    login_as(language=language)
    breakage.read_only()
    response = client.submit("/courses/basics/enrol")
    assert response.status_code == 503
    assert phrase in response.get_data(as_text=True)


def test_a_full_disk_gives_the_try_again_page(client, login_as, breakage):
    breakage.disk_full(login_as().id)
    assert_cannot_save(client.submit("/courses/basics/enrol"))
    assert client.get("/").status_code == 200


def test_healthz_says_the_database_is_writable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "writable"}


def test_healthz_reports_a_read_only_database(client, breakage):
    breakage.read_only()
    response = client.get("/healthz")
    assert response.status_code == 200  # pages can still be read (SPEC §4)
    assert response.get_json() == {"status": "degraded", "database": "not writable"}


@pytest.mark.skipif(bool(POSTGRES_URL), reason="PostgreSQL's free space is not visible cheaply")
def test_healthz_reports_a_full_sqlite_database(client, login_as, breakage):
    breakage.disk_full(login_as().id)
    response = client.get("/healthz")
    assert response.status_code == 200  # pages can still be read (SPEC §4)
    assert response.get_json() == {"status": "degraded", "database": "not writable"}
