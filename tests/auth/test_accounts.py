"""Registration, login, logout and the rules around them (issue 2)."""

import re

from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Organisation, User, UserSession
from tests.conftest import PASSWORD, register


def count_users() -> int:
    return db.session.scalar(db.select(func.count(User.id)))


def test_register_creates_account_and_logs_in(client):
    response = register(client)
    assert response.status_code == 303
    user = db.session.scalar(db.select(User))
    assert user.email == "amina@example.org"
    assert user.organisation.name == "Ministry of Education"
    assert client.get("/me").status_code == 200


def test_register_with_listed_organisation(client):
    db.session.add(Organisation(name="Birzeit University", kind="university"))
    db.session.commit()
    org_id = db.session.scalar(db.select(Organisation.id))
    assert register(client, organisation=str(org_id)).status_code == 303
    assert db.session.scalar(db.select(User)).organisation_id == org_id


def test_nine_character_password_is_refused_with_a_message(client):
    response = register(client, password="123456789", confirm="123456789")
    assert response.status_code == 200
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert count_users() == 0


def test_duplicate_email_in_any_case_gets_form_error_and_creates_nothing(client, make_user):
    make_user(email="amina@example.org")
    response = register(client, email="AMINA@Example.ORG")
    assert response.status_code == 200
    assert "An account with this e-mail already exists" in response.get_data(as_text=True)
    assert count_users() == 1


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/register", data={"name": "x"})
    assert response.status_code == 400
    assert count_users() == 0
    assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 400


def test_stored_password_hash_is_argon2id(client):
    register(client)
    assert db.session.scalar(db.select(User.password_hash)).startswith("$argon2id$")


def test_unknown_email_and_wrong_password_answer_identically(client, make_user):
    user = make_user()
    unknown = client.submit("/login", {"email": "nobody@example.org", "password": PASSWORD})
    wrong = client.submit("/login", {"email": user.email, "password": "wrong password!"})
    assert unknown.status_code == wrong.status_code == 200

    def body(response):
        text = response.get_data(as_text=True).replace("nobody@example.org", user.email)
        return re.sub(r'value="[^"]{40,}"', "TOKEN", text)  # CSRF tokens differ

    assert body(unknown) == body(wrong)
    assert "E-mail or password is not right." in body(unknown)


def test_login_then_logout(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email)
    assert response.status_code == 303
    assert client.get("/me").status_code == 200
    assert auth.logout().status_code == 303
    assert client.get("/me").status_code == 302


def test_login_redirects_to_the_page_asked_for_but_never_off_site(client, make_user):
    user = make_user()
    back = client.submit("/login?next=/me", {"email": user.email, "password": PASSWORD})
    assert back.headers["Location"] == "/me"
    client.submit("/logout")
    away = client.submit(
        "/login?next=https://evil.example/", {"email": user.email, "password": PASSWORD}
    )
    assert away.headers["Location"] == "/"


def test_replayed_cookie_is_refused_after_logout(app, auth, make_user):
    user = make_user()
    auth.login(user.email)
    cookie = auth.client.get_cookie("learnapp_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("learnapp_session", cookie)
    assert thief.get("/me").status_code == 302


def test_session_cookie_changes_at_login(client, make_user):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("learnapp_session").value
    client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert client.get_cookie("learnapp_session").value != before


def test_deactivated_user_is_refused_at_next_request(client, login_as):
    user = login_as()
    assert client.get("/me").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/me").status_code == 302


def test_language_switcher_sets_locale_without_javascript(client):
    response = client.submit("/language", {"language": "ar", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_accept_language_chooses_the_locale(client):
    page = client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert '<html lang="fr" dir="ltr">' in page.get_data(as_text=True)


DRAFT_LESSON = "/courses/draft-notes/hostile"  # a draft course: staff only


def test_the_lesson_page_checks_the_session_and_role_on_every_request(app, client, login_as):
    # Its user is a plain row (auth.service.SessionUser), read anew on each request like
    # the User model elsewhere: logout, deactivation and a role change count at once.
    user = login_as("trainer")
    cookie = client.get_cookie("learnapp_session").value
    assert client.get(DRAFT_LESSON).status_code == 200
    user.role = "learner"
    db.session.commit()
    assert client.get(DRAFT_LESSON).status_code == 404
    user.role, user.active = "trainer", False
    db.session.commit()
    assert client.get(DRAFT_LESSON).status_code == 302  # to the login page
    user.active = True
    db.session.commit()
    assert client.get(DRAFT_LESSON).status_code == 200
    client.submit("/logout")
    thief = app.test_client()
    thief.set_cookie("learnapp_session", cookie)
    assert thief.get(DRAFT_LESSON).status_code == 302


def test_only_the_pages_that_need_who_only_get_the_lighter_user(app, login_as):
    from learnapp.auth.service import SessionUser
    from learnapp.auth.views import load_user

    user = login_as("trainer")
    key = db.session.scalar(db.select(UserSession.key).where(UserSession.user_id == user.id))
    with app.test_request_context(DRAFT_LESSON):
        who = load_user(key)
        assert load_user("not a session") is None
    assert isinstance(who, SessionUser)
    assert (who.id, who.role, who.language, who.get_id()) == (user.id, "trainer", "en", key)
    assert who.is_staff and not who.is_admin and who.is_authenticated and who.is_active
    with app.test_request_context(DRAFT_LESSON + "/complete", method="POST"):
        assert isinstance(load_user(key), SessionUser)
    with app.test_request_context("/me"):
        assert isinstance(load_user(key), User)
