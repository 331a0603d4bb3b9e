"""Certificates in the learner's language: English, French or Arabic (issue 17)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.models import Certificate
from tests.conftest import ORIGINS, SHIPPED_CONTENT, answer_quiz

TITLES = {
    "en": "Origins of a Learning Alliance",
    "fr": "Les origines d'une alliance d'apprentissage",
    "ar": "أصول تحالف التعلّم",
}
# As the PDF's text gives them: the Latin headings are set in capitals.
WORDING = {"en": "CERTIFICATE OF COMPLETION", "fr": "CERTIFICAT DE RÉUSSITE", "ar": "شهادة إتمام"}


@pytest.fixture
def config_overrides():
    return SHIPPED_CONTENT


def finish_origins(client) -> Certificate:
    """Enrol in course 01, complete its lessons and pass both quizzes; the certificate."""
    course = catalogue().courses["origins-of-a-learning-alliance"]
    client.submit(f"{ORIGINS}/enrol")
    for lesson in course.lessons:
        client.submit(f"{ORIGINS}/{lesson.slug}/complete")
    for quiz in course.quizzes:
        answer_quiz(client, f"{ORIGINS}/quizzes/{quiz.slug}", quiz)
    return db.session.scalar(db.select(Certificate))


def pdf_text(certificate: Certificate) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(certificate.pdf))
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.parametrize(
    ("language", "name"),
    [("fr", "Amélie Dupont-Moreau"), ("ar", "فاطمة الزهراء الهاشمي"), ("en", "Sam Okafor")],
)
def test_the_certificate_is_worded_in_the_learners_language_and_says_so(
    client, login_as, language, name
):
    login_as(name=name, language=language)
    certificate = finish_origins(client)
    assert (certificate.language, certificate.course_title) == (language, TITLES[language])
    reader, text = pdf_text(certificate)
    assert len(reader.pages) == 1
    for words in (name, TITLES[language], WORDING[language], certificate.code):
        assert words in text, (words, text)
    assert reader.metadata.title.endswith(TITLES[language])
    # Dates in the certificate's language, with Western digits (as on the pages).
    assert str(certificate.completed_on.year) in text
    assert not re.search("[\u0660-\u0669]", text)


def test_the_arabic_certificate_is_laid_out_right_to_left_with_the_code_left_to_right(
    app, client, login_as
):
    from learnapp.certificates.render import CertificateContext, certificate_html

    login_as(name="فاطمة الزهراء الهاشمي", language="ar")
    certificate = finish_origins(client)
    context = CertificateContext(
        name=certificate.name,
        course_title=certificate.course_title,
        completed_on=certificate.completed_on,
        duration_minutes=certificate.duration_minutes,
        code=certificate.code,
        verify_url=f"https://learn.example.org/verify/{certificate.code}",
        language="ar",
    )
    html = certificate_html(context, static_dir=app.config["STATIC_DIR"])
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<div class="code" dir="ltr">{certificate.code}</div>' in html
    assert '<bdi dir="ltr">https://learn.example.org/verify/' in html
    page = PdfReader(io.BytesIO(certificate.pdf)).pages[0]
    fonts = [font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()]
    assert any("LearnApp-Naskh" in font for font in fonts), fonts


def test_the_verification_page_speaks_the_visitors_language_and_names_the_certificates(
    client, login_as, auth
):
    login_as(name="Amélie Dupont-Moreau", language="fr")
    certificate = finish_origins(client)
    auth.logout()
    page = client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in page
    assert "شهادة صالحة" in page or "صالحة" in page
    assert "Les origines d&#39;une alliance d&#39;apprentissage" in page
    assert '<dd lang="fr">Français</dd>' in page
    assert f'<dd class="code" dir="ltr">{certificate.code}</dd>' in page


def test_a_course_certificate_template_in_the_learners_language_is_used(
    app, client, login_as, tmp_path, monkeypatch
):
    import shutil

    courses = tmp_path / "courses"
    shutil.copytree(SHIPPED_CONTENT["COURSES_DIR"], courses)
    (courses / "01-origins-of-a-learning-alliance" / "certificate.fr.html").write_text(
        '{% extends "certificates/certificate.html" %}'
        "{% block extra_style %}.details::after { content: ' — édition française'; }{% endblock %}",
        encoding="utf-8",
    )
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses))
    store = app.extensions["learnapp.content"]
    monkeypatch.setattr(store, "courses_dir", str(courses))
    login_as(name="Amélie Dupont-Moreau", language="fr")
    certificate = finish_origins(client)
    _, text = pdf_text(certificate)
    assert "édition française" in text and TITLES["fr"] in text
