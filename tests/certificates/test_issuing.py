"""Issuing, downloading and verifying certificates through the app (issue 6)."""

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func

from learnapp import completion
from learnapp.certificates import service
from learnapp.extensions import db
from learnapp.models import Certificate, Enrolment
from tests.conftest import (
    COURSE,
    finish_course,
    logged_in_clients,
    pass_quiz,
    run_at_once,
    statements,
)


def count() -> int:
    return db.session.scalar(db.select(func.count(Certificate.id)))


def test_completing_the_course_issues_one_certificate(client, login_as):
    user = login_as(name="Amélie Zoë Kowalczyk")
    certificate = finish_course(client)
    assert certificate is not None
    assert certificate.name == "Amélie Zoë Kowalczyk"
    assert certificate.course_title == "Basics of Cooperation"
    assert certificate.user_id == user.id and certificate.course_version
    assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()
    assert certificate.code.startswith("LA-")
    me = client.get("/me").get_data(as_text=True)
    assert certificate.code in me and "Valid" in me
    pass_quiz(client)  # passing again issues nothing new
    assert count() == 1


def test_owner_downloads_the_stored_bytes_with_an_etag(client, login_as):
    login_as()
    certificate = finish_course(client)
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response.data == certificate.pdf
    assert response.headers["ETag"] == f'"{certificate.sha256}"'
    assert f"certificate-{certificate.code}.pdf" in response.headers["Content-Disposition"]
    again = client.get(
        f"/certificates/{certificate.code}.pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert certificate.code in text and "Basics of Cooperation" in text


def test_a_download_reads_the_session_and_then_the_certificate_once(client, login_as):
    login_as()
    certificate = finish_course(client)
    with statements() as sent:
        response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response.data == certificate.pdf
    # The session with its user (the owner check), then the certificate's row with its bytes.
    assert len(sent) == 2, sent
    with statements() as sent:
        again = client.get(
            f"/certificates/{certificate.code}.pdf",
            headers={"If-None-Match": response.headers["ETag"]},
        )
    assert again.status_code == 304 and not again.data
    assert len(sent) == 2, sent


def test_a_download_can_resume_from_a_byte_range(client, login_as):
    login_as()
    certificate = finish_course(client)
    response = client.get(f"/certificates/{certificate.code}.pdf", headers={"Range": "bytes=100-"})
    assert response.status_code == 206
    assert response.data == certificate.pdf[100:]


def test_anonymous_download_is_refused_without_reading_the_certificate(client, login_as, auth):
    login_as()
    code = finish_course(client).code
    auth.logout()
    with statements() as sent:
        assert client.get(f"/certificates/{code}.pdf").status_code == 404
    assert not any("certificate" in statement for statement in sent), sent


def test_other_learners_cannot_fetch_the_pdf_but_admins_can(app, client, login_as, auth):
    login_as()
    code = finish_course(client).code
    auth.logout()
    login_as()
    assert client.get(f"/certificates/{code}.pdf").status_code == 404
    auth.logout()
    assert client.get(f"/certificates/{code}.pdf").status_code == 404
    login_as("admin")
    assert client.get(f"/certificates/{code}.pdf").status_code == 200


def test_verify_page_shows_a_valid_certificate(client, login_as, auth):
    login_as(name="Karim Nassar")
    certificate = finish_course(client)
    auth.logout()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Valid certificate" in page
    for fact in ("Karim Nassar", "Basics of Cooperation", certificate.sha256, "LearningAlliance"):
        assert fact in page


def test_verify_accepts_a_typed_code_in_any_case(client, login_as):
    login_as()
    code = finish_course(client).code
    typed = code.lower().replace("-", " ").replace("0", "o")
    response = client.submit("/verify", {"code": typed})
    assert response.headers["Location"] == f"/verify/{code}"


def test_unknown_code_gets_a_friendly_404(client):
    response = client.get("/verify/LA-0000-0000-0000-0000-0000")
    assert response.status_code == 404
    assert "No certificate has this code" in response.get_data(as_text=True)
    assert client.get("/verify/garbage<script>").status_code == 404


def test_revoked_certificate_says_so_with_date_and_reason(client, login_as):
    login_as()
    certificate = finish_course(client)
    admin = login_as("admin")
    service.revoke(certificate, admin, "Issued in error")
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked certificate" in page and "Issued in error" in page


def test_expired_certificate_says_so(client, login_as):
    login_as()
    certificate = finish_course(client)
    certificate.expires_on = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Expired certificate" in page


def test_reissue_revokes_the_old_code_and_issues_a_new_one(app, client, login_as):
    user = login_as(name="Old Name")
    old = finish_course(client)
    admin = login_as("admin")
    user.name = "Corrected Name"
    course = app.extensions["learnapp.content"].catalogue().courses["basics"]
    new = service.reissue(old, course, admin, "Name corrected", completion.settings())
    db.session.commit()
    assert new.code != old.code and new.name == "Corrected Name"
    assert old.revoked_at is not None and old.revoked_reason == "Name corrected"
    assert count() == 2
    assert "Valid certificate" in client.get(f"/verify/{new.code}").get_data(as_text=True)


def test_uploaded_original_is_genuine_and_an_edited_copy_is_not(client, login_as):
    login_as()
    certificate = finish_course(client)
    original = client.get(f"/certificates/{certificate.code}.pdf").data
    token = client.csrf_token()
    genuine = client.post(
        "/verify",
        data={"csrf_token": token, "pdf": (io.BytesIO(original), "certificate.pdf")},
        content_type="multipart/form-data",
    )
    assert "genuine, unaltered" in genuine.get_data(as_text=True)
    assert certificate.code in genuine.get_data(as_text=True)
    edited = original.replace(b"Basics of Cooperation", b"Basics of Cooperatiom")
    edited = edited if edited != original else original + b"\n%edited"
    forged = client.post(
        "/verify",
        data={"csrf_token": token, "pdf": (io.BytesIO(edited), "certificate.pdf")},
        content_type="multipart/form-data",
    )
    assert "Not a genuine certificate" in forged.get_data(as_text=True)


def test_a_template_change_after_issue_leaves_the_bytes_unchanged(app, client, login_as):
    login_as()
    certificate = finish_course(client)
    before = client.get(f"/certificates/{certificate.code}.pdf").data
    # A course template appears after issue (and the learner's name changes):
    course = app.extensions["learnapp.content"].catalogue().courses["basics"]
    template = f"{course.path}/certificate.html"
    try:
        with open(template, "w") as handle:
            handle.write("<html><body>NEW TEMPLATE {{ name }}</body></html>")
        certificate.user.name = "Someone Else"
        db.session.commit()
        after = client.get(f"/certificates/{certificate.code}.pdf").data
    finally:
        import os

        os.remove(template)
    assert after == before
    assert hashlib.sha256(after).hexdigest() == certificate.sha256


def test_two_concurrent_completions_create_one_certificate(app, make_user):
    clients = logged_in_clients(app, make_user().email, 4)
    clients[0].submit(f"{COURSE}/enrol")
    clients[0].submit(f"{COURSE}/first-steps/complete")
    pass_quiz(clients[0])
    assert count() == 0
    calls = [(c, {"csrf_token": c.csrf_token()}) for c in clients]
    run_at_once(lambda c, data: c.post(f"{COURSE}/working-together/complete", data=data), calls)
    assert count() == 1


def test_certificate_needs_every_step_complete(app, login_as, client):
    user = login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    enrolment = db.session.scalar(db.select(Enrolment))
    course = app.extensions["learnapp.content"].catalogue().courses["basics"]
    with pytest.raises(service.NotEligible):
        service.issue_certificate(user, course, enrolment, completion.settings())
    assert count() == 0


class TestVerifyRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True}

    def test_verify_is_rate_limited(self, client):
        statuses = [
            client.get("/verify/LA-0000-0000-0000-0000-0000").status_code for _ in range(61)
        ]
        assert statuses[:60] == [404] * 60 and statuses[60] == 429
