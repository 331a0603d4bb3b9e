"""The session cookie is verified once per worker, yet every request gets its own session
and an expired or forged cookie opens none (issue 18)."""

import time

from flask import request
from itsdangerous import URLSafeTimedSerializer


def _cookie(app, data: dict) -> str:
    """A cookie as the app signs it."""
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _open(app, cookie: str):
    with app.test_request_context("/", headers={"Cookie": f"learnapp_session={cookie}"}):
        return app.session_interface.open_session(app, request)


def test_a_request_changing_its_session_in_place_leaves_the_next_one_alone(app):
    cookie = _cookie(app, {"_flashes": [("info", "Saved")], "reading": {"basics": "fr"}})
    first = _open(app, cookie)
    first["_flashes"].append(("info", "Another"))
    first["reading"]["basics"] = "ar"
    second = _open(app, cookie)
    assert second["_flashes"] == [("info", "Saved")]
    assert second["reading"] == {"basics": "fr"}


def test_a_verified_cookie_still_expires(app, monkeypatch):
    cookie = _cookie(app, {"lang": "fr"})
    assert _open(app, cookie)["lang"] == "fr"
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_a_forged_cookie_opens_no_session(app):
    genuine = _cookie(app, {"lang": "fr"})
    assert _open(app, genuine)["lang"] == "fr"
    payload, _, signature = genuine.rpartition(".")
    assert dict(_open(app, f"{payload}.{signature[::-1]}")) == {}


def test_a_visitor_keeps_their_language_over_cached_requests(client):
    client.post(
        "/language",
        data={"language": "fr", "next": "/", "csrf_token": client.csrf_token()},
    )
    for _ in range(2):
        page = client.get("/").get_data(as_text=True)
        assert 'lang="fr"' in page
    with client.session_transaction() as state:
        assert state["lang"] == "fr"


def test_a_cookie_is_verified_once(app, monkeypatch):
    checks = []
    loads = URLSafeTimedSerializer.loads
    monkeypatch.setattr(
        URLSafeTimedSerializer, "loads", lambda *a, **k: checks.append(1) or loads(*a, **k)
    )
    cookie = _cookie(app, {"lang": "fr"})
    for _ in range(3):
        assert _open(app, cookie)["lang"] == "fr"
    assert len(checks) == 1
