"""The UI language over HTTP: Accept-Language, the switcher, the profile, right-to-left
pages, an Arabic course inside an English UI, and dates in the locale's format (issue 8)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil

import pytest

from learnapp.certificates.codes import new_code
from learnapp.extensions import db
from learnapp.models import Certificate, User
from tests.conftest import PASSWORD, SITE_COURSES, SITE_QUIZZES

ARABIC_COURSE = "/courses/arabic"
NBSP = "\u00a0"


@pytest.fixture
def content(tmp_path):
    """The test site plus a tiny course written in Arabic."""
    courses, quizzes = tmp_path / "courses", tmp_path / "quizzes"
    shutil.copytree(SITE_COURSES, courses)
    shutil.copytree(SITE_QUIZZES, quizzes)
    course = courses / "04-arabic"
    course.mkdir()
    (course / "course.md").write_text(
        "---\ntitle: مبادئ التعاون\nsummary: دورة قصيرة للاختبارات.\nlanguage: ar\n"
        "status: published\nestimated_minutes: 15\n---\nهذه الدورة موجودة لمجموعة الاختبارات.\n",
        encoding="utf-8",
    )
    (course / "01-first.md").write_text(
        "# الخطوة الأولى\n\nيبدأ التعاون بالإصغاء.\n", encoding="utf-8"
    )
    (quizzes / "arabic").mkdir()
    (quizzes / "arabic" / "01-check.md").write_text(
        "---\ntitle: تحقق\n---\n## ما المدينة التي تستضيف المنظمة؟\n- ( ) باريس\n- (x) جنيف\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def config_overrides(content):
    return {"COURSES_DIR": str(content / "courses"), "QUIZZES_DIR": str(content / "quizzes")}


def page(client, path: str, accept_language: str | None = None) -> str:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def current_language_button(html: str) -> str:
    return re.search(r'value="(\w+)" lang="\w+"\s+aria-current="true"', html).group(1)


def test_accept_language_arabic_gives_a_right_to_left_arabic_catalogue(client):
    html = page(client, "/", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>الدورات</h1>" in html
    assert "دورات مجانية من LearningAlliance لموظفي الوزارات" in html
    assert "تسجيل الدخول" in html and "إنشاء حساب" in html
    # Basics has two lessons and one quiz: the Arabic dual and singular plural forms.
    assert "درسان" in html and "اختبار واحد" in html and "نحو 20 دقيقة" in html
    assert "الانتقال إلى المحتوى" in html  # the skip link
    assert current_language_button(html) == "ar"
    assert "Free courses" not in html


def test_accept_language_french_gives_a_french_catalogue(client):
    html = page(client, "/", "fr-CH, fr;q=0.9, en;q=0.5")
    assert '<html lang="fr" dir="ltr">' in html
    assert "Cours gratuits de LearningAlliance" in html
    assert "2 leçons" in html and "1 quiz" in html and "environ 20 minutes" in html
    assert "Se connecter" in html and "Aller au contenu" in html
    assert current_language_button(html) == "fr"


def test_without_a_preference_the_ui_is_english(client):
    html = page(client, "/")
    assert '<html lang="en" dir="ltr">' in html
    assert "Free courses from LearningAlliance" in html and "2 lessons" in html


def test_switcher_sets_the_language_of_an_anonymous_visitor(client):
    response = client.submit("/language", {"language": "ar", "next": "/courses/basics"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/courses/basics"
    # The choice beats the browser's Accept-Language.
    html = page(client, "/courses/basics", "en")
    assert '<html lang="ar" dir="rtl">' in html
    assert "إنشاء حساب للتسجيل" in html
    # An English course inside the Arabic UI keeps its own language and direction.
    assert re.search(r'<div lang="en" dir="ltr">\s*<h1>Basics of Cooperation</h1>', html)

    client.submit("/language", {"language": "fr", "next": "/courses/basics"})
    html = page(client, "/courses/basics", "ar")
    assert '<html lang="fr" dir="ltr">' in html
    assert "Créer un compte pour s’inscrire" in html
    assert "Plan du cours" in html


def test_switcher_rejects_an_unknown_language(client):
    assert client.submit("/language", {"language": "de"}).status_code == 400


def test_switcher_stores_the_language_on_the_profile(app, client, login_as):
    user = login_as(language="en")
    response = client.submit("/language", {"language": "fr", "next": "/me"})
    assert response.headers["Location"] == "/me"
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "fr"
    html = page(client, "/me", "ar")  # the profile beats Accept-Language
    assert '<html lang="fr" dir="ltr">' in html and "<h1>Mon apprentissage</h1>" in html

    # Another browser, logging in afresh, gets the language from the profile.
    other = app.test_client()
    other.submit("/login", {"email": user.email, "password": PASSWORD})
    html = page(other, "/me", "ar")
    assert '<html lang="fr" dir="ltr">' in html and "Se déconnecter" in html


def test_profile_language_arabic_applies_after_login(client, login_as):
    login_as(language="ar")
    html = page(client, "/me", "fr")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>تعلّمي</h1>" in html and "تسجيل الخروج" in html


def test_arabic_course_is_right_to_left_inside_an_english_ui(client, login_as):
    catalogue = page(client, "/")
    card = re.search(r'<li class="card" lang="ar" dir="rtl">.*?</li>', catalogue, re.S)
    assert card and "مبادئ التعاون" in card.group(0)
    assert '<p class="meta" lang="en" dir="ltr">' in card.group(0)  # the UI's own words

    overview = page(client, ARABIC_COURSE)
    assert '<html lang="en" dir="ltr">' in overview
    assert re.search(r'<div lang="ar" dir="rtl">\s*<h1>مبادئ التعاون</h1>', overview)
    assert '<div class="prose" lang="ar" dir="rtl">' in overview
    assert "Course outline" in overview

    login_as()
    client.submit(f"{ARABIC_COURSE}/enrol")
    lesson = page(client, f"{ARABIC_COURSE}/first")
    assert '<html lang="en" dir="ltr">' in lesson
    assert re.search(r'<div lang="ar" dir="rtl">\s*<h1>الخطوة الأولى</h1>', lesson)
    assert "Mark complete and continue" in lesson

    quiz = page(client, f"{ARABIC_COURSE}/quizzes/check")
    assert '<h1 lang="ar" dir="rtl">تحقق</h1>' in quiz
    assert re.search(r'<form method="post" novalidate lang="ar" dir="rtl">', quiz)


def test_progress_label_is_translated(client, login_as):
    login_as(language="fr")
    client.submit("/courses/basics/enrol")
    html = page(client, "/courses/basics/first-steps")
    assert f"Progression{NBSP}: 0{NBSP}%" in html
    assert "Marquer comme terminée et continuer" in html


@pytest.fixture
def certificate(app):
    pdf = b"%PDF-1.4 not a real certificate"
    certificate = Certificate(
        code=new_code(),
        course_slug="basics",
        name="Amélie Zoë Kowalczyk",
        course_title="Basics of Cooperation",
        course_version="test",
        completed_on=dt.date(2026, 3, 14),
        expires_on=dt.date(2099, 1, 9),
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Valid certificate", "Mar 14, 2026", "Jan 9, 2099"]),
        ("fr", ["Certificat valide", "Terminé le", "14 mars 2026", "9 janv. 2099"]),
        ("ar", ["شهادة صالحة", "تاريخ الإكمال", "14‏/03‏/2026", "09‏/01‏/2099"]),
    ],
)
def test_verify_page_shows_dates_in_the_locale_format(client, certificate, language, expected):
    html = page(client, f"/verify/{certificate.code}", language)
    assert f'<html lang="{language}"' in html
    for text in expected:
        assert text in html, text
    assert "Amélie Zoë Kowalczyk" in html
