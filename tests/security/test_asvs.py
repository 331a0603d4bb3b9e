"""OWASP ASVS 5.0 level 2 checks not proven elsewhere (see docs/security.md for the map).

Route inventories come from the app's URL map, so a route added later is checked too.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from werkzeug.debug import DebuggedApplication

from learnapp import create_app
from learnapp.extensions import db
from learnapp.models import Certificate, User
from tests.conftest import PASSWORD, pass_quiz

HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Real values for route arguments, so that a route is reached rather than 404.
ARGUMENTS = {
    "course_slug": "basics",
    "lesson_slug": "first-steps",
    "quiz_slug": "check",
    "number": "1",
    "code": "LA-0000-0000-0000-0000-0000",
    "token": "not-a-token",
    "path": "x.png",
    "filename": "css/app.css",
}
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def urls(app, method: str, prefix: str = "/") -> list[str]:
    """Every route of the app for `method`, with real arguments filled in."""
    rules = [r.rule for r in app.url_map.iter_rules() if method in r.methods]
    return sorted(
        ARGUMENT.sub(lambda match: ARGUMENTS.get(match.group(1), "1"), rule)
        for rule in rules
        if rule.startswith(prefix)
    )


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(db.select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


# 3.4 Browser security headers -----------------------------------------------------------


def test_security_headers_are_on_error_pages_too(client, login_as):
    responses = {
        400: client.post("/login", data={}),  # no CSRF token
        404: client.get("/no-such-page"),
        405: client.get("/logout"),
        413: client.post("/verify", data=b"x" * (6 * 1024 * 1024), content_type="text/plain"),
    }
    login_as()
    responses[403] = client.get("/admin/")
    for status, response in responses.items():
        assert response.status_code == status
        for name, part in HEADERS.items():
            assert part in response.headers.get(name, ""), (status, name)


def test_hsts_is_sent_over_https_only(client):
    secure = client.get("/", base_url="https://learn.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


# 14.3.2 No caching of personal data -----------------------------------------------------


def test_signed_in_pages_are_not_stored_by_any_cache(client, login_as):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as()
    client.submit("/courses/basics/enrol")
    for url in ("/", "/me", "/me/data.json", "/courses/basics", "/courses/basics/quizzes/check"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    # Lessons are revalidated on every visit instead (a cheap 304, SPEC §5 bandwidth).
    lesson = client.get("/courses/basics/first-steps")
    assert lesson.headers["Cache-Control"] == "private, no-cache"


# 3.5.1 CSRF and 3.5.3 no state change on GET --------------------------------------------


# POST routes without a CSRF token, each with why: the signed token in the URL is the
# credential. A forged one is refused all the same.
CSRF_EXEMPT = {
    "/reminders/off/not-a-token": "one-click unsubscribe from an e-mail client (RFC 8058)",
}


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(app, client, login_as):
    login_as("admin")
    foreign = app.test_client().csrf_token()  # a valid token of another session
    for url in urls(app, "POST"):
        if url in CSRF_EXEMPT:
            assert client.post(url, data={}).status_code == 404, url
            continue
        assert client.post(url, data={}).status_code == 400, url
        assert client.post(url, data={"csrf_token": foreign}).status_code == 400, url


def test_no_get_route_adds_or_removes_a_row(app, client, login_as):
    login_as()
    client.submit("/courses/basics/enrol")
    client.submit("/courses/basics/first-steps/complete")
    before = row_counts()
    for url in urls(app, "GET"):
        assert client.get(url, buffered=True).status_code < 500, url
    assert row_counts() == before


# 8.2.1 Function-level access control ----------------------------------------------------


def test_a_learner_gets_403_from_every_admin_route(app, client, login_as):
    login_as()
    for url in urls(app, "GET", "/admin"):
        assert client.get(url, buffered=True).status_code in (403, 404), url
    for url in urls(app, "POST", "/admin"):
        assert client.submit(url, {"reason": "x"}).status_code in (403, 404), url
    assert client.get("/admin/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_from_every_private_route(app, client):
    private = [*urls(app, "GET", "/admin"), "/me", "/me/data.json", "/courses/basics/course.pdf"]
    private += ["/courses/basics/first-steps", "/courses/basics/quizzes/check"]
    for url in private:
        response = client.get(url, buffered=True)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# 8.2.2 Object-level access control ------------------------------------------------------


def test_a_learner_sees_only_their_own_attempts_and_certificates(app, client, login_as, auth):
    login_as()
    client.submit("/courses/basics/enrol")
    client.submit("/courses/basics/first-steps/complete")
    client.submit("/courses/basics/working-together/complete")
    pass_quiz(client)
    code = db.session.scalar(db.select(Certificate.code))
    auth.logout()
    login_as()
    client.submit("/courses/basics/enrol")
    assert client.get("/courses/basics/quizzes/check/attempts/1").status_code == 404
    assert client.get(f"/certificates/{code}.pdf").status_code == 404
    assert code not in client.get("/me/data.json").get_data(as_text=True)


# 1.2.1 Output encoding of names -----------------------------------------------------------


def test_a_hostile_name_is_shown_as_text_wherever_it_appears(app, client, login_as, auth):
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    login_as(name=hostile)
    client.submit("/courses/basics/enrol")
    client.submit("/courses/basics/first-steps/complete")
    client.submit("/courses/basics/working-together/complete")
    pass_quiz(client)
    code = db.session.scalar(db.select(Certificate.code))
    learner_id = db.session.scalar(db.select(User.id))
    shown = {url: client.get(url).get_data(as_text=True) for url in (f"/verify/{code}", "/me")}
    data = client.get("/me/data.json")  # data, not a page: exact, and never sniffed as HTML
    assert data.mimetype == "application/json" and data.headers["X-Content-Type-Options"]
    assert data.get_json()["profile"]["name"] == hostile
    auth.logout()
    login_as("admin")
    for url in ("/admin/learners", f"/admin/learners/{learner_id}"):
        shown[url] = client.get(url).get_data(as_text=True)
    for url, page in shown.items():
        assert "<script>alert(1)" not in page and "<img src=x" not in page, url
    assert "&lt;script&gt;alert(1)" in shown[f"/verify/{code}"]
    assert "&lt;script&gt;alert(1)" in shown["/admin/learners"]


# 15.3.3 Mass assignment -----------------------------------------------------------------


def test_registration_ignores_role_and_admin_fields(client):
    client.submit(
        "/register",
        {
            "name": "Mallory",
            "email": "mallory@example.org",
            "organisation": "other",
            "organisation_other": "Nowhere",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "en",
            "role": "admin",
            "is_admin": "1",
            "active": "0",
            "id": "1",
        },
    )
    user = db.session.scalar(db.select(User))
    assert (user.role, user.active) == ("learner", True)
    assert client.get("/admin/").status_code == 403


# 6.2.8, 6.2.9 Passwords: long ones work and are never truncated -------------------------


def test_a_128_character_unicode_password_works_and_is_used_whole(client, make_user, auth):
    password = "ǅ€𝄞 Mot de passe très long, كلمة مرور " * 4
    password = password[:128]
    client.submit(
        "/register",
        {
            "name": "Long Password",
            "email": "long@example.org",
            "organisation": "other",
            "organisation_other": "Org",
            "password": password,
            "confirm": password,
            "language": "en",
        },
    )
    auth.logout()
    almost = password[:72] + ("x" if password[72] != "x" else "y") + password[73:]
    assert auth.login("long@example.org", almost).status_code == 200
    assert auth.login("long@example.org", password).status_code == 303


# 13.4.2 Debug off in production ---------------------------------------------------------


def test_the_production_configuration_has_no_debugger(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "k"})
    assert app.debug is False and app.testing is False
    assert not isinstance(app.wsgi_app, DebuggedApplication)
    assert app.config["PROPAGATE_EXCEPTIONS"] is None


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "https://learn.example.org"])
def test_session_cookie_is_secure_exactly_when_the_site_is_https(tmp_path, base_url):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "k", "BASE_URL": base_url}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is base_url.startswith("https://")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
