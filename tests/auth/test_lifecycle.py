"""Account lifecycle: change password, delete account, sessions that end (issue 10)."""

from learnapp.extensions import db
from learnapp.models import AuditEvent, Certificate, User
from tests.conftest import PASSWORD, finish_course


def change(client, current, new, confirm=None):
    return client.submit(
        "/account/password",
        {"change-current": current, "change-password": new, "change-confirm": confirm or new},
    )


def test_account_page_needs_login(client):
    assert client.get("/account").status_code == 302


def test_change_password_needs_the_current_password(client, login_as):
    user = login_as()
    response = change(client, "not my password", "a brand new password")
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert client.submit("/logout").status_code == 303  # the old password still works:
    assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 303


def test_change_password_keeps_this_session_and_ends_the_others(app, client, login_as):
    user = login_as()
    other = app.test_client()
    other.submit("/login", {"email": user.email, "password": PASSWORD})
    assert other.get("/me").status_code == 200
    stolen = client.get_cookie("learnapp_session").value

    response = change(client, PASSWORD, "a brand new password")
    assert response.status_code == 303
    assert client.get("/me").status_code == 200  # this browser stays logged in
    assert other.get("/me").status_code == 302  # the other session ended
    replay = app.test_client()
    replay.set_cookie("learnapp_session", stolen)
    assert replay.get("/me").status_code == 302  # the cookie from before is refused
    client.submit("/logout")
    assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 200
    new = client.submit("/login", {"email": user.email, "password": "a brand new password"})
    assert new.status_code == 303


def test_delete_account_removes_personal_data_and_keeps_certificates_verifiable(
    app, client, login_as
):
    user = login_as(name="Rania Haddad", organisation="Ministry of Labour")
    certificate = finish_course(client)
    code, sha256 = certificate.code, certificate.sha256
    stolen = client.get_cookie("learnapp_session").value

    wrong = client.submit("/account/delete", {"delete-password": "not my password"})
    assert wrong.status_code == 422
    response = client.submit("/account/delete", {"delete-password": PASSWORD})
    assert response.status_code == 303

    db.session.expire_all()
    gone = db.session.get(User, user.id)
    assert gone.name == "" and "Rania" not in gone.email and gone.organisation is None
    assert gone.deleted_at is not None and not gone.is_active
    assert client.get("/me").status_code == 302
    replay = app.test_client()
    replay.set_cookie("learnapp_session", stolen)
    assert replay.get("/me").status_code == 302
    login = client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 200 and "not right" in login.get_data(as_text=True)

    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "withdrawn their account" in page and "Rania" not in page
    kept = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
    assert kept.sha256 == sha256 and kept.holder_withdrawn and kept.name == ""
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "user.withdrawn" in actions


def test_register_with_other_and_no_name_is_refused(client):
    response = client.submit(
        "/register",
        {
            "name": "No Org",
            "email": "noorg@example.org",
            "organisation": "other",
            "organisation_other": "  ",
            "password": "long enough password",
            "confirm": "long enough password",
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "Enter the name of your organisation." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User)) is None
