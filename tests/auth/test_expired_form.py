"""A form posted after its session expired is shown again, input kept (issue 13, item 22)."""

import re

from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Organisation, QuizAttempt, User
from tests.conftest import PASSWORD

EXPIRED = "Your session expired — please try again"
STALE = {"csrf_token": "a-token-from-a-session-that-expired"}


def count(model) -> int:
    return db.session.scalar(db.select(func.count()).select_from(model))


def value_of(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def test_expired_registration_is_shown_again_with_the_input_kept(client):
    typed = {
        "name": "Amina Haddad",
        "email": "amina@example.org",
        "organisation": "other",
        "organisation_other": "Ministry of Education",
        "password": "secret password 123",
        "confirm": "secret password 123",
        "language": "fr",
    }
    response = client.post("/register", data={**typed, **STALE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in page and "Bad request" not in page
    assert '<form method="post"' in page
    assert value_of(page, "name") == "Amina Haddad"
    assert value_of(page, "email") == "amina@example.org"
    assert value_of(page, "organisation_other") == "Ministry of Education"
    assert "secret password 123" not in page  # passwords are never sent back
    assert count(User) == 0
    # The page carries a fresh token: sending the form again works.
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    again = client.post("/register", data={**typed, "csrf_token": fresh})
    assert again.status_code == 303 and count(User) == 1


def test_expired_login_keeps_the_email_not_the_password(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, **STALE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in page
    assert value_of(page, "email") == user.email
    assert PASSWORD not in page
    assert client.get("/me").status_code == 302  # not logged in


def test_expired_admin_form_keeps_the_input(client, login_as):
    login_as(role="admin")
    response = client.post(
        "/admin/organisations/new", data={"name": "Ministry of Water", "kind": "ministry", **STALE}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in page
    assert value_of(page, "name") == "Ministry of Water"
    assert count(Organisation) == 0


def test_expired_action_button_leads_back_to_its_page(client, login_as):
    login_as()
    response = client.post(
        "/courses/basics/enrol", data=STALE, headers={"Referer": "http://localhost/courses/basics"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in page and "Bad request" not in page
    assert '<a href="/courses/basics">Back to the page</a>' in page


def test_expired_form_of_a_page_needing_a_login_links_to_it(client, make_user):
    """The session (and the login with it) expired: the page will ask to log in again."""
    response = client.post("/admin/organisations/new", data={"name": "Water", **STALE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in page
    assert '<a href="/admin/organisations/new">Back to the page</a>' in page
    assert EXPIRED not in client.get("/login").get_data(as_text=True)  # said once only


def test_expired_form_of_a_missing_record_is_still_a_plain_400(client, login_as):
    login_as(role="admin")
    response = client.post("/admin/organisations/999999", data={"name": "Water", **STALE})
    assert response.status_code == 400 and EXPIRED in response.get_data(as_text=True)


def test_expired_action_without_a_page_to_return_to_explains_itself(client, login_as):
    login_as()
    response = client.post("/courses/basics/enrol", data=STALE)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED in page and "Bad request" not in page


def test_expired_quiz_is_shown_again_and_nothing_recorded(client, login_as):
    login_as()
    client.submit("/courses/basics/enrol")
    response = client.post("/courses/basics/quizzes/check", data={"attempt_token": "x", **STALE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and EXPIRED in page
    assert 'name="attempt_token"' in page
    assert count(QuizAttempt) == 0


def test_expired_form_is_never_submitted(client, login_as):
    """Showing the form again runs the page's GET view, never the POST action."""
    login_as(role="admin")
    client.post("/admin/organisations/new", data={"name": "Sneaky", "kind": "ngo", **STALE})
    client.post("/language", data={"language": "ar", **STALE})
    assert count(Organisation) == 0
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
