"""One date format in the whole UI: Babel's medium date of the page's locale (issue 13).

CSV files keep ISO dates; the certificate PDF prints the medium date in English.
"""

from __future__ import annotations

import io
import re

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from learnapp.extensions import db
from learnapp.models import Certificate, User, now_utc
from tests.admin.conftest import finish
from tests.conftest import PASSWORD


def formats(locale: str) -> tuple[str, list[str]]:
    """Today in the medium format, and in the other formats that must not appear."""
    today = now_utc().date()
    medium = format_date(today, "medium", locale=locale)
    others = [format_date(today, f, locale=locale) for f in ("short", "long", "full")]
    return medium, [other for other in others if other != medium]


def in_language(client, email: str, language: str) -> None:
    user = db.session.scalar(db.select(User).where(User.email == email))
    user.language = language
    db.session.commit()
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 303


def assert_only_medium(html: str, locale: str, where: str) -> None:
    medium, others = formats(locale)
    assert medium in html, f"{where}: no {medium!r}"
    for other in others:  # not inside a longer number: Arabic's short date is in its medium
        assert not re.search(rf"(?<!\d){re.escape(other)}(?!\d)", html), f"{where}: {other!r}"
    assert not re.search(
        r"\d{4}-\d{2}-\d{2}(?!T)", re.sub(r'(datetime|min|max|value)="[^"]*"', "", html)
    ), where


@pytest.fixture
def finished(make_user):
    """A learner who finished the fixture course today: enrolment, attempt, certificate."""
    learner = make_user(name="Dana Dates", email="dana@example.org", organisation="Ministry")
    finish(learner)
    return learner


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_admin_pages_show_dates_in_the_medium_format(client, make_user, finished, language):
    make_user(role="admin", email="ada@example.org")
    in_language(client, "ada@example.org", language)
    certificate = db.session.scalar(db.select(Certificate.id))
    client.submit(f"/admin/certificates/{certificate}/revoke", {"reason": "Dates"})  # audited
    for path in (f"/admin/learners/{finished.id}", "/admin/learners", "/admin/audit"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_only_medium(page.get_data(as_text=True), language, path)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_learner_and_verifier_pages_show_dates_in_the_medium_format(client, finished, language):
    in_language(client, finished.email, language)
    code = db.session.scalar(db.select(Certificate.code))
    for path in ("/me", f"/verify/{code}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_only_medium(page.get_data(as_text=True), language, path)


def test_certificate_pdf_prints_the_medium_date_in_english(client, finished):
    in_language(client, finished.email, "fr")
    code = db.session.scalar(db.select(Certificate.code))
    pdf = client.get(f"/certificates/{code}.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    medium, others = formats("en")
    assert f"Completed on {medium}" in " ".join(text.split())
    assert not any(other in text for other in others)


def test_csv_keeps_iso_dates(client, make_user, finished):
    make_user(role="admin", email="ada@example.org")
    in_language(client, "ada@example.org", "fr")
    csv = client.get("/admin/reports/completions.csv").get_data(as_text=True)
    assert now_utc().date().isoformat() in csv
