"""The trainer's preview and the verifier's journey in Chromium (SPEC §1, journeys 2 and 4)."""

import datetime as dt
import hashlib

import pytest

from learnapp.certificates.codes import new_code
from learnapp.extensions import db
from learnapp.models import Certificate
from tests.browser.conftest import create_account, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def certificate(live_server):
    """A certificate as issuing stores it (the PDF bytes stand in for a rendered one)."""
    pdf = b"%PDF-1.7\n% a certificate for the verifier's journey\n%%EOF\n"
    with live_server.app.app_context():
        row = Certificate(
            code=new_code(),
            course_slug="origins-of-a-learning-alliance",
            name="Yousef Khalil",
            course_title="Origins of a Learning Alliance",
            course_version="v1",
            completed_on=dt.date(2026, 11, 2),
            duration_minutes=45,
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        db.session.add(row)
        db.session.commit()
        return row.code, pdf


def test_verifier_types_a_code_then_uploads_the_pdf(visit_any_js, certificate, tmp_path):
    visit, page = visit_any_js, visit_any_js.page
    code, pdf = certificate
    visit.go("/verify")
    visit.check_accessible()
    page.get_by_label("Certificate code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{visit.base_url}/verify/{code}")
    assert page.get_by_text("Valid certificate").is_visible()
    assert page.get_by_text("Yousef Khalil").is_visible()
    visit.check_accessible()

    genuine = tmp_path / "certificate.pdf"
    genuine.write_bytes(pdf)
    visit.go("/verify")
    page.get_by_label("Or upload the certificate PDF").set_input_files(str(genuine))
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_text("genuine, unaltered").is_visible()

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf.replace(b"verifier", b"forger!!"))
    visit.go("/verify")
    page.get_by_label("Or upload the certificate PDF").set_input_files(str(forged))
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_text("Not a genuine certificate").is_visible()
    visit.check_accessible()


def test_unknown_code_page_is_friendly(visit):
    response = visit.go("/verify/LA-0000-0000-0000-0000-0000")
    assert response.status == 404
    assert visit.page.get_by_text("No certificate has this code").is_visible()
    visit.check_accessible()


def test_trainer_previews_a_draft_course(visit_any_js, live_server):
    visit, page = visit_any_js, visit_any_js.page
    log_in(visit, create_account(live_server, role="trainer"))
    visit.go("/")
    page.get_by_role("link", name="Draft Notes").click()
    assert page.get_by_text("Draft: only trainers and administrators").is_visible()
    visit.check_accessible()
    page.get_by_role("link", name="Hostile lesson").first.click()
    assert page.get_by_text("Preview: you are not enrolled").is_visible()
    visit.check_accessible()
