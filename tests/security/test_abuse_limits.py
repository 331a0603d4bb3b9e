"""Abuse limits: rate limits, the upload size limit, oversized names (issue 10, ASVS 2.4, 15.2)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from learnapp.auth import service as auth_service
from learnapp.certificates import service as certificates
from learnapp.extensions import db
from learnapp.models import User

VALID_REGISTRATION = {
    "name": "Amina Haddad",
    "organisation": "other",
    "organisation_other": "Ministry of Education",
    "password": "correct horse battery",
    "confirm": "correct horse battery",
    "language": "en",
}


def users() -> int:
    return db.session.scalar(db.select(func.count(User.id)))


def upload(client, content: bytes, token: str, filename: str = "certificate.pdf"):
    """POST a PDF to /verify as a browser does (encoded here: large bodies stay in memory)."""
    fields = {"csrf_token": token, "pdf": FileStorage(io.BytesIO(content), filename)}
    boundary, body = encode_multipart(fields)
    return client.post(
        "/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


class TestRateLimits:
    """Per client address, as Flask-Limiter counts them (Redis-shared with several nodes)."""

    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True}

    def test_the_twenty_first_registration_in_an_hour_gets_429(self, client):
        token = client.csrf_token()
        statuses = [
            client.post("/register", data={"csrf_token": token, "name": "x"}).status_code
            for _ in range(21)
        ]
        assert statuses == [200] * 20 + [429]
        refused = client.post("/register", data={"csrf_token": token, **VALID_REGISTRATION})
        assert "Too many requests" in refused.get_data(as_text=True)
        assert users() == 0

    def test_the_sixty_first_verification_post_in_a_minute_gets_429(self, client):
        token = client.csrf_token()
        codes = [
            client.post("/verify", data={"csrf_token": token, "code": "LA-0000"}).status_code
            for _ in range(30)
        ]
        uploads = [upload(client, b"%PDF-1.7 not ours", token).status_code for _ in range(30)]
        assert codes + uploads == [200] * 60
        assert upload(client, b"%PDF-1.7 not ours", token).status_code == 429

    def test_password_reset_posts_are_limited_to_twenty_an_hour(self, client):
        token = client.csrf_token()
        statuses = [
            client.post("/reset/not-a-token", data={"csrf_token": token}).status_code
            for _ in range(21)
        ]
        assert statuses == [404] * 20 + [429]

    def test_successful_logins_do_not_use_up_the_login_limit(
        self, client, cheap_hashing, make_user, auth
    ):
        user = make_user()
        for _ in range(11):
            assert auth.login(user.email).status_code == 303
            auth.logout()


def test_an_upload_over_the_size_limit_gets_the_friendly_413_page(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, b"%PDF" + b"\0" * limit, client.csrf_token())
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file you sent is too large." in page and "Traceback" not in page


def test_an_upload_under_the_size_limit_is_checked(client):
    response = upload(client, b"%PDF" + b"\0" * 1024 * 1024, client.csrf_token())
    assert response.status_code == 200
    assert "Not a genuine certificate" in response.get_data(as_text=True)


@pytest.fixture
def no_pdf_work(monkeypatch):
    """Fail the test if anything tries to render a certificate."""

    def refuse(*args, **kwargs):
        raise AssertionError("a certificate was rendered")

    monkeypatch.setattr(certificates, "render_certificate", refuse)


def test_a_name_of_100_kb_is_refused_before_any_pdf_work(client, no_pdf_work, monkeypatch):
    hashed = []
    monkeypatch.setattr(auth_service, "hash_password", lambda password: hashed.append(1))
    response = client.submit(
        "/register", {**VALID_REGISTRATION, "name": "N" * 100_000, "email": "n@example.org"}
    )
    assert response.status_code == 200
    assert "longer than 120 characters" in response.get_data(as_text=True)
    assert users() == 0
    assert hashed == []  # refused before the costly work: no password hashing either


def test_a_name_of_120_characters_is_accepted(client):
    name = "Ａ" * 120  # full-width letters: 360 bytes in UTF-8, still 120 characters
    response = client.submit(
        "/register", {**VALID_REGISTRATION, "name": name, "email": "a@example.org"}
    )
    assert response.status_code == 303
    assert db.session.scalar(db.select(User.name)) == name


def test_the_pages_that_skip_the_limiter_have_no_limit(app):
    """ratelimit.UNLIMITED_READS skips the limiter: true only while none of them has a limit."""
    from flask_limiter.util import get_qualified_name

    from learnapp.extensions import limiter
    from learnapp.ratelimit import UNLIMITED_READS

    manager = limiter.limit_manager
    assert not manager.default_limits and not manager.application_limits
    for endpoint in UNLIMITED_READS:
        name = get_qualified_name(app.view_functions[endpoint])
        assert name not in manager._decorated_limits, endpoint  # no @limiter.limit
        blueprint = endpoint.split(".")[0]
        assert not manager.blueprint_limits(app, blueprint), endpoint


def test_only_gets_of_those_pages_skip_the_limiter(app):
    from learnapp.ratelimit import unlimited_read

    for method, path, skipped in (
        ("GET", "/courses/basics", True),
        ("GET", "/healthz", True),
        ("GET", "/certificates/LA-ABCD-EFGH.pdf", True),
        ("POST", "/courses/basics/first-steps/complete", False),
        ("GET", "/verify", False),
        ("POST", "/login", False),
    ):
        with app.test_request_context(path, method=method):
            assert unlimited_read() is skipped, (method, path)
