"""Managing accounts and certificates; each action lands in the audit log (issue 7)."""

import datetime as dt
import re

import pytest

from learnapp.extensions import db
from learnapp.models import AuditEvent, Certificate, PasswordReset, User
from tests.admin.conftest import finish
from tests.conftest import PASSWORD, forge

NEW_PASSWORD = "a brand new passphrase"


def events() -> list[tuple[str, str]]:
    rows = db.session.execute(
        db.select(AuditEvent.action, AuditEvent.reason).order_by(AuditEvent.id)
    )
    return [(action, reason) for action, reason in rows]


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def learner(make_user):
    return make_user(name="Layla Learner", email="layla@example.org", organisation="Old Org")


def organisation_option(page: str, name: str) -> str:
    return re.search(rf'<option value="(\d+)">{name}</option>', page).group(1)


def test_change_role_and_organisation_with_a_reason(client, admin, learner, make_user):
    make_user(organisation="New Org")
    page = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    new_org = organisation_option(page, "New Org")
    response = client.submit(
        f"/admin/learners/{learner.id}/account",
        {"role": "trainer", "organisation": new_org, "reason": "Now runs the workshops"},
    )
    assert response.status_code == 303
    user = reload(learner)
    assert user.role == "trainer" and user.organisation.name == "New Org"
    assert sorted(events()) == [
        ("user.organisation", "Now runs the workshops"),
        ("user.role", "Now runs the workshops"),
    ]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Role changed" in log and "learner → trainer" in log
    assert "Organisation changed" in log and "Old Org → New Org" in log
    assert "Now runs the workshops" in log and "Ada Admin" in log


def test_an_action_without_a_reason_changes_nothing(client, admin, learner):
    response = client.submit(
        f"/admin/learners/{learner.id}/account",
        {"role": "admin", "organisation": "none", "reason": " "},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Say why, for the audit log." in page
    assert reload(learner).role == "learner" and events() == []
    client.submit(f"/admin/learners/{learner.id}/deactivate", {"reason": ""})
    assert reload(learner).active


def test_an_admin_cannot_lock_themselves_out(client, admin):
    client.submit(
        f"/admin/learners/{admin.id}/account",
        {"role": "learner", "organisation": "none", "reason": "oops"},
    )
    client.submit(f"/admin/learners/{admin.id}/deactivate", {"reason": "oops"})
    user = reload(admin)
    assert user.role == "admin" and user.active
    assert client.get("/admin/").status_code == 200


def test_deactivation_ends_the_learners_session_at_once(client, admin, learner, other_client):
    theirs = other_client(learner.email)
    assert theirs.get("/me").status_code == 200
    response = client.submit(f"/admin/learners/{learner.id}/deactivate", {"reason": "Left"})
    assert response.status_code == 303
    refused = theirs.get("/me")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    login = theirs.submit("/login", {"email": learner.email, "password": PASSWORD})
    assert login.status_code == 200  # an inactive account cannot log in
    assert ("user.deactivate", "Left") in events()

    client.submit(f"/admin/learners/{learner.id}/reactivate", {"reason": "Came back"})
    assert reload(learner).active
    again = theirs.submit("/login", {"email": learner.email, "password": PASSWORD})
    assert again.status_code == 303
    assert ("user.reactivate", "Came back") in events()


def create_reset_link(client, user) -> str:
    response = client.submit(f"/admin/learners/{user.id}/reset-link", {"reason": "Forgot it"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    url = re.search(r'<textarea id="reset-url"[^>]*>([^<]+)</textarea>', page).group(1)
    assert url.startswith("https://learn.example.org/reset/")  # the configured BASE_URL
    return url.removeprefix("https://learn.example.org")


def test_reset_link_works_once_and_ends_other_sessions(client, admin, learner, app):
    path = create_reset_link(client, learner)
    # Only a hash of the link's secret is stored.
    assert path.rsplit("/", 1)[1] not in str(db.session.scalar(db.select(PasswordReset)).__dict__)

    theirs = app.test_client()
    theirs.submit("/login", {"email": learner.email, "password": PASSWORD})
    visitor = app.test_client()
    form = visitor.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    short = visitor.submit(path, {"password": "too short", "confirm": "too short"})
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    done = visitor.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/login"

    assert theirs.get("/me").status_code == 302  # the old session ended
    assert visitor.get(path).status_code == 404  # the link is spent
    again = visitor.submit(path, {"password": "another new passphrase", "confirm": "x" * 22})
    assert again.status_code == 404
    old = visitor.submit("/login", {"email": learner.email, "password": PASSWORD})
    assert old.status_code == 200
    new = visitor.submit("/login", {"email": learner.email, "password": NEW_PASSWORD})
    assert new.status_code == 303
    assert [a for a, _ in events()] == ["user.reset_link", "user.password_reset"]


def test_a_new_reset_link_replaces_the_old_one(client, admin, learner, app):
    first = create_reset_link(client, learner)
    second = create_reset_link(client, learner)
    visitor = app.test_client()
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200


def test_expired_forged_and_deactivated_links_are_refused(client, admin, learner, app):
    path = create_reset_link(client, learner)
    visitor = app.test_client()
    assert visitor.get(forge(path)).status_code == 404
    assert visitor.get("/reset/not-a-token").status_code == 404
    reset = db.session.scalar(db.select(PasswordReset))
    reset.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    assert visitor.get(path).status_code == 404

    path = create_reset_link(client, learner)
    client.submit(f"/admin/learners/{learner.id}/deactivate", {"reason": "Left"})
    refused = visitor.get(path)
    assert refused.status_code == 404 and "no longer works" in refused.get_data(as_text=True)


def test_revoke_a_certificate_with_a_reason(client, admin, learner):
    finish(learner)
    certificate = db.session.scalar(db.select(Certificate))
    response = client.submit(
        f"/admin/certificates/{certificate.id}/revoke", {"reason": "Issued by mistake"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/learners/{learner.id}"
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_reason == "Issued by mistake"
    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Issued by mistake" in verify
    assert ("certificate.revoke", "Issued by mistake") in events()


def test_reissue_after_a_name_correction(client, admin, learner):
    finish(learner)
    old = db.session.scalar(db.select(Certificate))
    user = reload(learner)
    user.name = "Layla Corrected"
    db.session.commit()
    client.submit(f"/admin/certificates/{old.id}/reissue", {"reason": "Name misspelt"})
    db.session.expire_all()
    live = db.session.scalar(db.select(Certificate).where(Certificate.revoked_at.is_(None)))
    assert live.code != old.code and live.name == "Layla Corrected"
    assert db.session.get(Certificate, old.id).revoked_at is not None
    assert {("certificate.revoke", "Name misspelt"), ("certificate.reissue", "Name misspelt")} <= (
        set(events())
    )


def test_every_admin_action_appears_in_the_audit_log(client, admin, learner, make_user, app):
    make_user(organisation="Other Org")
    finish(learner)
    certificate = db.session.scalar(db.select(Certificate))
    page = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    other = organisation_option(page, "Other Org")
    client.submit(
        f"/admin/learners/{learner.id}/account",
        {"role": "trainer", "organisation": other, "reason": "reason-account"},
    )
    path = create_reset_link(client, learner)
    app.test_client().submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.submit(f"/admin/certificates/{certificate.id}/reissue", {"reason": "reason-reissue"})
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.revoked_at.is_(None)))
    client.submit(f"/admin/certificates/{certificate.id}/revoke", {"reason": "reason-revoke"})
    client.submit(f"/admin/learners/{learner.id}/deactivate", {"reason": "reason-deactivate"})
    client.submit(f"/admin/learners/{learner.id}/reactivate", {"reason": "reason-reactivate"})
    client.submit("/admin/organisations/new", {"name": "Fresh Org", "kind": "ngo", "country": ""})

    log = client.get("/admin/audit").get_data(as_text=True)
    for label in (
        "Role changed",
        "Organisation changed",
        "Password-reset link created",
        "Password reset with a link",
        "Certificate revoked",
        "Certificate re-issued",
        "Account deactivated",
        "Account reactivated",
        "Organisation added",
    ):
        assert label in log, label
    for reason in ("account", "reissue", "revoke", "deactivate", "reactivate"):
        assert f"reason-{reason}" in log
    assert log.count("Ada Admin") >= 8  # who
    assert log.count("<time datetime=") == len(events())  # when
    # The learner's own page shows their history too.
    history = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    assert "reason-deactivate" in history and "Certificate re-issued" in history


def test_audit_log_filters_by_action(client, admin, learner):
    client.submit(f"/admin/learners/{learner.id}/deactivate", {"reason": "r1"})
    client.submit(f"/admin/learners/{learner.id}/reactivate", {"reason": "r2"})
    page = client.get("/admin/audit?action=user.deactivate").get_data(as_text=True)
    assert "r1" in page and "r2" not in page and "1 event." in page
