"""Quiz item analysis, content status and the certificates ZIP (issue 7)."""

import io
import re
import zipfile

import pytest

from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.models import Certificate, Organisation
from tests.admin.conftest import attempt, enrol, finish
from tests.conftest import FIXTURES


@pytest.fixture
def answers(make_user):
    """Four learners' attempts: Paris twice, Vienna once, Geneva right twice."""
    a, b, c = make_user(), make_user(), make_user()
    for user in (a, b, c):
        enrol(user)
    attempt(a, city="Paris", communities="seventeen")
    attempt(a, city="Geneva", communities="171")  # a second attempt, right
    attempt(b, city="Paris", communities="Seventeen ")
    attempt(c, city="Vienna", communities="170")


def question_block(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find('<li class="card">', start)
    return page[start : end if end > 0 else None]


def test_item_analysis_counts_each_question(client, login_as, answers):
    login_as(role="trainer")
    page = client.get("/admin/quizzes/basics/check").get_data(as_text=True)
    assert "4 attempts" in page and "3 learners" in page
    city = question_block(page, "Which city hosts the NGO?")
    # First attempts: none right; overall 1 of 4 right.
    assert re.search(r"Right on the first attempt</dt><dd>0%", city)
    assert re.search(r"Right overall</dt><dd>25%", city)
    assert re.search(r"Most chosen wrong option</dt><dd><span[^>]*>Paris</span> \(2\)", city)
    assert re.search(r"<td[^>]*>Vienna</td>\s*<td>no</td>\s*<td class=\"num\">1</td>", city)
    short = question_block(page, "How many communities did the research cover?")
    # "seventeen" and "Seventeen " are one wrong answer, shown as first typed.
    assert re.search(r"<td>seventeen</td><td class=\"num\">2</td>", short)
    assert re.search(r"<td>170</td><td class=\"num\">1</td>", short)
    assert "171" not in re.sub(r"Accepted answers: 171", "", short)


def test_quiz_list_shows_attempt_counts(client, admin, answers):
    page = client.get("/admin/quizzes").get_data(as_text=True)
    assert "/admin/quizzes/basics/check" in page
    counts = r'<td class="num">4</td>\s*<td class="num">3</td>\s*<td class="num">25%'
    assert re.search(counts, page)


def test_unknown_quiz_is_404(client, admin):
    assert client.get("/admin/quizzes/basics/nope").status_code == 404
    assert client.get("/admin/quizzes/nope/check").status_code == 404


def test_content_status_lists_courses_and_versions(client, login_as):
    login_as(role="trainer")
    page = client.get("/admin/content").get_data(as_text=True)
    assert "Basics of Cooperation" in page and "01-basics" in page
    assert "draft" in page  # trainers see draft courses too
    problems = catalogue().problems
    assert f"{len(problems)} warnings" in page and "errors" not in page
    assert f"{problems[0].path}:{problems[0].line}" in page


class TestBrokenContent:
    @pytest.fixture
    def config_overrides(self):
        broken = FIXTURES / "content" / "broken"
        return {"COURSES_DIR": str(broken / "courses"), "QUIZZES_DIR": str(broken / "quizzes")}

    def test_content_status_shows_every_problem_as_check_would(self, client, login_as):
        login_as(role="trainer")
        page = client.get("/admin/content").get_data(as_text=True)
        assert "Left out because of errors" in page and "bad-course" in page
        found = catalogue()
        assert f"{len(found.errors)} errors" in page and f"{len(found.warnings)} warnings" in page
        for line in (
            "courses/01-bad-course/03-links.md:5",
            "link ../../../etc/passwd points outside the course folder",
            "courses/01-bad-course/course.md:4",
        ):
            assert line in page


def test_certificates_zip_holds_the_stored_pdfs(client, admin, make_user):
    health = make_user(name="Hana Health", organisation="Ministry of Health")
    other = make_user(name="Omar/../Other", organisation="Birzeit University")
    finish(health)
    finish(other)
    response = client.get("/admin/courses/basics/certificates.zip", buffered=True)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "certificates-basics-" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert len(names) == 3 and "certificates.csv" in names
    assert not any("/" in name or "\\" in name or name.startswith(".") for name in names)
    for certificate in db.session.scalars(db.select(Certificate)):
        name = next(n for n in names if certificate.code in n)
        assert archive.read(name) == certificate.pdf
    listing = archive.read("certificates.csv").decode("utf-8")
    assert listing.startswith("\ufeffcode,name,email,organisation")

    org = db.session.scalar(db.select(Organisation.id).where(Organisation.name.like("Minis%")))
    one = client.get(f"/admin/courses/basics/certificates.zip?organisation={org}", buffered=True)
    names = zipfile.ZipFile(io.BytesIO(one.get_data())).namelist()
    assert len(names) == 2 and any(n.startswith("Hana Health - LA-") for n in names)


def test_revoked_certificates_are_left_out_of_the_zip(client, admin, make_user):
    finish(make_user())
    certificate = db.session.scalar(db.select(Certificate))
    client.submit(f"/admin/certificates/{certificate.id}/revoke", {"reason": "Fraud"})
    response = client.get("/admin/courses/basics/certificates.zip", buffered=True)
    assert zipfile.ZipFile(io.BytesIO(response.get_data())).namelist() == ["certificates.csv"]


def test_zip_of_an_unknown_course_is_404(client, admin):
    assert client.get("/admin/courses/nope/certificates.zip").status_code == 404
