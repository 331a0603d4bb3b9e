"""Completion is kept and the certificate follows it (issue 13, items 8–12 and 20).

The completion is committed before the certificate is rendered; a broken template costs
the learner nothing but a short wait; a revoked certificate is never replaced
automatically; every page tells a completed learner the same thing.
"""

import io
import shutil

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, func, text

from learnapp.certificates import service as certificates
from learnapp.extensions import db
from learnapp.models import AuditEvent, Certificate, Enrolment
from tests.conftest import (
    COURSE,
    SITE_COURSES,
    SITE_QUIZZES,
    finish_course,
    pass_quiz,
)


@pytest.fixture
def content(tmp_path):
    """A writable copy of the fixture content."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    return tmp_path


@pytest.fixture
def config_overrides(content):
    return {"COURSES_DIR": str(content / "courses"), "QUIZZES_DIR": str(content / "quizzes")}


def live_certificates() -> int:
    return db.session.scalar(
        db.select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None))
    )


def enrolment() -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(db.select(Enrolment))


def add_quiz(content, slug="extra"):
    (content / "quizzes" / "basics" / f"02-{slug}.md").write_text(
        "---\ntitle: Extra check\n---\n## Which city hosts the NGO?\n- ( ) Paris\n- (x) Geneva\n"
    )


def pass_extra_quiz(client):
    import re

    path = f"{COURSE}/quizzes/extra"
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    name = re.search(r'type="radio" id="[^"]+" name="(q\w+)"', page).group(1)
    options = re.findall(rf'name="{name}" value="(\w+)"', page)
    return client.submit(path, {"attempt_token": token, name: options[1]})


BROKEN_TEMPLATES = {
    "syntax": ("<html><body>\n<p>{{ name }</p>\n</body></html>\n", 2),
    "sandbox": ("<html><body>\n\n<p>{{ name.__class__.__mro__ }}</p>\n</body></html>\n", 3),
    "two pages": (
        "<html><head><style>@page { size: A4 landscape }</style></head><body>"
        "<p>{{ name }}</p><p style='break-before: page'>{{ code }}</p></body></html>",
        0,
    ),
}


@pytest.mark.parametrize("kind", BROKEN_TEMPLATES)
def test_broken_template_keeps_the_completion_and_issues_later(
    kind, app, client, login_as, runner, content
):
    template = content / "courses" / "01-basics" / "certificate.html"
    template.write_text(BROKEN_TEMPLATES[kind][0])
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    pass_quiz(client)
    last = client.submit(f"{COURSE}/working-together/complete")
    assert last.status_code == 303  # not a 500
    enrolled = enrolment()
    assert enrolled.completed_at is not None  # the completion was kept
    assert enrolled.certificate_error and enrolled.certificate_failed_at
    assert live_certificates() == 0
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "certificate.issue_failed")
    )
    page = client.get(COURSE).get_data(as_text=True)
    assert "You completed this course on" in page
    assert "Your certificate is being prepared" in page

    failed = runner.invoke(args=["certificates", "issue-pending"])
    assert failed.exit_code == 1 and "0 issued, 1 failed" in failed.output

    template.unlink()  # the trainer fixes the course
    fixed = runner.invoke(args=["certificates", "issue-pending"])
    assert fixed.exit_code == 0, fixed.output
    assert "1 issued, 0 failed" in fixed.output
    assert live_certificates() == 1
    assert enrolment().certificate_error is None
    page = client.get(COURSE).get_data(as_text=True)
    code = db.session.scalar(db.select(Certificate.code))
    assert code in page and "being prepared" not in page


def test_admin_sees_a_failed_issue_and_can_retry(app, client, login_as, auth, content):
    template = content / "courses" / "01-basics" / "certificate.html"
    template.write_text(BROKEN_TEMPLATES["syntax"][0])
    learner = login_as(name="Waiting Learner")
    finish_course(client)
    auth.logout()
    login_as("admin")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "1 certificate could not be issued" in dashboard
    assert "Waiting Learner" in dashboard and f"/admin/learners/{learner.id}" in dashboard
    template.unlink()
    response = client.submit("/admin/certificates/issue-pending")
    assert response.status_code == 303
    assert live_certificates() == 1
    assert "could not be issued" not in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("kind", BROKEN_TEMPLATES)
def test_courses_check_renders_each_certificate_template(kind, runner, content):
    template = content / "courses" / "01-basics" / "certificate.html"
    source, line = BROKEN_TEMPLATES[kind]
    template.write_text(source)
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 1
    where = f"{template}:{line}:" if line else f"{template}:"
    assert any(row.startswith(where) for row in result.output.splitlines()), result.output


def test_courses_check_renders_a_course_template_per_language(runner, content):
    course = content / "courses" / "01-basics"
    (course / "course.fr.md").write_text('---\ntitle: "Bases"\nsummary: "S"\n---\n')
    template = course / "certificate.fr.html"
    template.write_text(BROKEN_TEMPLATES["syntax"][0])
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 1
    assert f"{template}:2: template syntax" in result.output


def test_courses_check_accepts_a_good_course_template(runner, content):
    template = content / "courses" / "01-basics" / "certificate.html"
    template.write_text(
        "<html><head><style>@page { size: A4 landscape }</style></head>"
        '<body><p dir="{{ name_dir }}">{{ name }}</p><p>{{ course_title }}</p></body></html>'
    )
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output


def test_certificate_is_rendered_after_the_completion_is_committed(
    app, client, login_as, database_url, monkeypatch
):
    """While the PDF renders, the completion is already saved and nothing holds a write lock."""
    seen = {}
    real_render = certificates.render_certificate

    def render_and_look(*args, **kwargs):
        engine = create_engine(database_url, connect_args=_no_wait(database_url))
        with engine.begin() as other:
            seen["completed"] = other.execute(
                text("SELECT completed_at FROM enrolment")
            ).scalar_one()
            # Another writer gets in at once: the completion's transaction is over.
            other.execute(text("UPDATE enrolment SET last_lesson_slug = last_lesson_slug"))
        engine.dispose()
        return real_render(*args, **kwargs)

    monkeypatch.setattr(certificates, "render_certificate", render_and_look)
    login_as()
    finish_course(client)
    assert seen["completed"] is not None
    assert live_certificates() == 1


def _no_wait(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        return {"timeout": 0}
    return {"options": "-c lock_timeout=100"}


def test_completion_is_kept_when_the_course_grows(app, client, login_as, auth, content):
    login_as()
    certificate = finish_course(client)
    add_quiz(content)
    me = client.get("/me").get_data(as_text=True)
    completed = me.split('id="completed"')[1].split("</section>")[0]
    assert "Basics of Cooperation" in completed and "Completed on" in completed
    assert "1 new step since you finished (optional)" in completed
    assert "No completed course yet" not in me
    assert "Basics of Cooperation" not in me.split('id="in-progress"')[1].split("</section>")[0]
    page = client.get(COURSE).get_data(as_text=True)
    assert "You completed this course on" in page
    optional = page.split("New since you finished (optional)")[1].split("</ul>")[0]
    assert "Extra check" in optional
    assert certificate.code in page
    auth.logout()
    login_as("admin")
    csv = client.get("/admin/reports/completions.csv").get_data(as_text=True)
    assert certificate.code in csv
    learners = client.get("/admin/learners?status=completed").get_data(as_text=True)
    assert "Test Learner" in learners


def test_a_revoked_certificate_is_not_replaced_automatically(
    app, client, login_as, make_user, content
):
    login_as()
    certificate = finish_course(client)
    admin = make_user("admin")
    certificates.revoke(certificate, admin, "Issued in error")
    db.session.commit()
    add_quiz(content)
    result = pass_extra_quiz(client)
    assert result.status_code == 303
    assert live_certificates() == 0
    page = client.get(COURSE).get_data(as_text=True)
    assert f"Your certificate {certificate.code} was revoked" in page
    assert "Issued in error" in page and "being prepared" not in page


def test_completed_course_page_shows_the_certificate(client, login_as):
    login_as()
    certificate = finish_course(client)
    page = client.get(COURSE).get_data(as_text=True)
    assert certificate.code in page
    assert f'href="/certificates/{certificate.code}.pdf"' in page
    assert f'href="/verify/{certificate.code}"' in page


def test_course_pdf_leaves_out_locked_lessons(client, login_as, content):
    course_md = content / "courses" / "01-basics" / "course.md"
    course_md.write_text(
        course_md.read_text().replace("pass_mark: 50", "pass_mark: 50\nsequential: true")
    )
    second = content / "courses" / "01-basics" / "02-working-together.md"
    second.write_text(second.read_text() + "\nLOCKEDSECRETTEXT\n")
    login_as()
    client.submit(f"{COURSE}/enrol")

    def pdf_text() -> str:
        response = client.get(f"{COURSE}/course.pdf")
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.data))
        return "\n".join(page.extract_text() for page in reader.pages)

    locked = pdf_text()
    assert "First steps" in locked and "LOCKEDSECRETTEXT" not in locked
    client.submit(f"{COURSE}/first-steps/complete")
    assert "LOCKEDSECRETTEXT" in pdf_text()


def test_continue_points_at_the_next_missing_step(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.get(f"{COURSE}/first-steps")
    client.submit(f"{COURSE}/first-steps/complete")
    me = client.get("/me").get_data(as_text=True).split('id="in-progress"')[1]
    assert f'href="{COURSE}/working-together"' in me
    assert f'href="{COURSE}/first-steps"' not in me
