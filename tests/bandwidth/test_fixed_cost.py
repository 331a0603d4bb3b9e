"""What a request pays before its view: nothing for a request that needs no visitor (issue 18).

Counted, not timed: SQL statements sent, cookies set, the database asked.
"""

from learnapp import health
from learnapp.extensions import db
from tests.conftest import statements
from tests.storage import Breakage


def test_healthz_with_a_learners_cookie_loads_no_user_and_no_session(client, login_as):
    login_as()
    with statements() as sent:
        response = client.get("/healthz")
    assert response.get_json() == {"status": "ok", "database": "writable"}
    assert sent and not any("user" in statement.lower() for statement in sent), sent
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")  # nor depends on it


def test_healthz_asks_the_database_once_per_interval(client, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    with statements() as first:
        assert client.get("/healthz").status_code == 200
    with statements() as again:
        for _ in range(5):
            assert client.get("/healthz").get_json()["status"] == "ok"
    assert first and again == []
    clock[0] += 3.5
    with statements() as later:
        client.get("/healthz")
    assert len(later) == len(first)


def test_healthz_sees_a_change_after_the_interval(client, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    assert client.get("/healthz").get_json()["status"] == "ok"
    breakage = Breakage()
    try:
        breakage.read_only()
        assert client.get("/healthz").get_json()["status"] == "ok"  # the cached answer
        clock[0] += 3.5
        assert client.get("/healthz").get_json() == {
            "status": "degraded",
            "database": "not writable",
        }
    finally:
        for undo in breakage.undo:
            undo()
        db.session.remove()
        db.engine.dispose()


def test_a_page_still_gets_its_session(client, login_as):
    login_as()
    page = client.get("/me")
    assert page.status_code == 200 and "Log out" in page.get_data(as_text=True)


def test_a_refused_healthz_request_gets_a_plain_error_not_a_server_error(client, login_as):
    # The error page needs a session (its forms carry a CSRF token); /healthz has none.
    login_as()
    for response in (client.get("/healthz?\x00="), client.post("/healthz")):
        assert response.status_code in (400, 405), response.status_code
        assert response.mimetype == "text/plain"
        assert "Set-Cookie" not in response.headers
