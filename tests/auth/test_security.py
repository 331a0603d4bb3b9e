"""Headers, cookies, roles, throttling and error pages (issue 2)."""

import pytest

from tests.conftest import PASSWORD


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = client.submit("/login", {"email": user.email, "password": PASSWORD})
    cookie = next(
        value for value in response.headers.getlist("Set-Cookie") if "learnapp_session=" in value
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # BASE_URL is https in the tests


def test_learner_gets_403_on_admin(client, login_as):
    login_as("learner")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Traceback" not in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login_from_admin(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_admin_reaches_admin(client, login_as):
    login_as("admin")
    assert client.get("/admin/").status_code == 200


def test_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True}

    def test_eleventh_failed_login_in_a_minute_gets_429(self, client, make_user):
        user = make_user()
        token = client.csrf_token()
        statuses = [
            client.post(
                "/login", data={"email": user.email, "password": "wrong pass", "csrf_token": token}
            ).status_code
            for _ in range(11)
        ]
        assert statuses[:10] == [200] * 10
        assert statuses[10] == 429
        assert "Too many requests" in client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        ).get_data(as_text=True)


class TestBehindAProxy:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1}

    def test_login_throttle_counts_each_client_address_behind_the_proxy(self, client, make_user):
        user = make_user()
        token = client.csrf_token()

        def failed_login(address: str) -> int:
            data = {"email": user.email, "password": "wrong pass", "csrf_token": token}
            headers = {"X-Forwarded-For": address}
            return client.post("/login", data=data, headers=headers).status_code

        assert [failed_login("203.0.113.7") for _ in range(11)][-1] == 429
        assert failed_login("198.51.100.9") == 200  # another visitor is not locked out
