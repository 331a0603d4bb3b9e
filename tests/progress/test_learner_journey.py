"""The learner journey over HTTP: enrol, learn, progress, resume, my data (issue 4)."""

import io
import shutil

import pytest
from pypdf import PdfReader
from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Enrolment, LessonCompletion
from tests.conftest import (
    COURSE,
    SITE_COURSES,
    SITE_QUIZZES,
    logged_in_clients,
    pass_quiz,
    run_at_once,
)


def count(model) -> int:
    return db.session.scalar(db.select(func.count()).select_from(model))


def test_whole_journey_reaches_100_percent(client, login_as):
    login_as()
    overview = client.get(COURSE).get_data(as_text=True)
    assert "Enrol in this course" in overview
    response = client.submit(f"{COURSE}/enrol")
    assert response.headers["Location"] == f"{COURSE}/first-steps"
    lesson = client.get(f"{COURSE}/first-steps").get_data(as_text=True)
    assert "Progress: 0%" in lesson
    assert "Mark complete and continue" in lesson
    nxt = client.submit(f"{COURSE}/first-steps/complete")
    assert nxt.headers["Location"] == f"{COURSE}/working-together"
    nxt = client.submit(f"{COURSE}/working-together/complete")
    assert nxt.headers["Location"] == f"{COURSE}/quizzes/check"
    assert "Progress: 66%" in client.get(COURSE).get_data(as_text=True)
    result = pass_quiz(client)
    assert result.status_code == 303
    page = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "Passed" in page
    assert "Progress: 100%" in client.get(COURSE).get_data(as_text=True)
    assert db.session.scalar(db.select(Enrolment.completed_at)) is not None


def test_enrol_is_idempotent(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/enrol")
    assert count(Enrolment) == 1


def test_double_complete_records_one_completion(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    client.submit(f"{COURSE}/first-steps/complete")
    assert count(LessonCompletion) == 1


def test_lessons_need_enrolment_and_anonymous_visitors_log_in_first(client, login_as):
    anonymous = client.get(f"{COURSE}/first-steps")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=%2Fcourses%2Fbasics%2Ffirst-steps"
    login_as()
    not_enrolled = client.get(f"{COURSE}/first-steps")
    assert not_enrolled.headers["Location"] == COURSE
    assert client.submit(f"{COURSE}/first-steps/complete").status_code == 403
    assert db.session.scalar(db.select(func.count(LessonCompletion.id))) == 0


def test_trainer_previews_without_enrolling(client, login_as):
    login_as("trainer")
    page = client.get(f"{COURSE}/first-steps").get_data(as_text=True)
    assert "Preview: you are not enrolled" in page
    assert count(Enrolment) == 0


def test_overview_lists_what_is_still_missing(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    page = client.get(COURSE).get_data(as_text=True)
    missing = page.split("Still to do for completion")[1].split("</ul>")[0]
    assert "Working together" in missing and "Check" in missing
    assert "First steps" not in missing


def test_resume_link_points_at_last_visited_lesson(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.get(f"{COURSE}/working-together")
    page = client.get("/me").get_data(as_text=True)
    assert f'href="{COURSE}/working-together"' in page.split("In progress")[1]


def test_second_learner_never_sees_the_first_learners_progress(app, client, login_as, auth):
    first = login_as(name="First Learner")
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    auth.logout()
    login_as(name="Second Learner")
    assert "Nothing in progress" in client.get("/me").get_data(as_text=True)
    data = client.get("/me/data.json").get_json()
    assert data["enrolments"] == [] and data["lesson_completions"] == []
    assert first.email not in client.get("/me/data.json").get_data(as_text=True)


def test_my_data_holds_profile_enrolments_completions_and_attempts(client, login_as):
    user = login_as(organisation="Ministry of Planning")
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    pass_quiz(client)
    data = client.get("/me/data.json").get_json()
    assert data["profile"]["email"] == user.email
    assert data["profile"]["organisation"] == "Ministry of Planning"
    assert [e["course"] for e in data["enrolments"]] == ["basics"]
    assert data["lesson_completions"][0]["lesson"] == "first-steps"
    assert data["quiz_attempts"][0]["passed"] is True
    assert data["quiz_attempts"][0]["answers"]


@pytest.fixture
def content(tmp_path):
    """A writable copy of the fixture content."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    return tmp_path


@pytest.fixture
def config_overrides(content):
    return {"COURSES_DIR": str(content / "courses"), "QUIZZES_DIR": str(content / "quizzes")}


def test_renumbering_files_keeps_progress(client, login_as, content):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    folder = content / "courses" / "01-basics"
    (folder / "01-first-steps.md").rename(folder / "07-first-steps.md")
    (folder / "02-working-together.md").rename(folder / "03-working-together.md")
    page = client.get(COURSE).get_data(as_text=True)
    assert "Progress: 33%" in page
    outline = page.split("Course outline")[1]
    assert outline.index("Working together") < outline.index("First steps")


def test_adding_a_lesson_lowers_the_percentage_and_removing_raises_it(client, login_as, content):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    assert "Progress: 33%" in client.get(COURSE).get_data(as_text=True)
    folder = content / "courses" / "01-basics"
    (folder / "03-more.md").write_text("# More\n\nAnother lesson.\n")
    assert "Progress: 25%" in client.get(COURSE).get_data(as_text=True)
    (folder / "03-more.md").unlink()
    (folder / "01-first-steps.md").write_text("# First steps\n\nNo link any more.\n")
    (folder / "02-working-together.md").unlink()
    assert "Progress: 50%" in client.get(COURSE).get_data(as_text=True)


def test_sequential_course_locks_lessons_by_url(client, login_as, content):
    course_md = content / "courses" / "01-basics" / "course.md"
    course_md.write_text(
        course_md.read_text().replace("pass_mark: 50", "pass_mark: 50\nsequential: true")
    )
    login_as()
    client.submit(f"{COURSE}/enrol")
    locked = client.get(f"{COURSE}/working-together")
    assert locked.status_code == 403
    assert "First steps" in locked.get_data(as_text=True)
    assert client.submit(f"{COURSE}/working-together/complete").status_code == 403
    assert client.get(f"{COURSE}/quizzes/check").status_code == 403
    client.submit(f"{COURSE}/first-steps/complete")
    assert client.get(f"{COURSE}/working-together").status_code == 200


def test_course_pdf_has_every_lesson(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    response = client.get(f"{COURSE}/course.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2 + 2  # title, contents, a page per lesson
    for title in ("Basics of Cooperation", "First steps", "Working together"):
        assert title in text


def test_course_pdf_needs_enrolment(client, login_as):
    login_as()
    assert client.get(f"{COURSE}/course.pdf").status_code == 403


def test_concurrent_completions_record_once(app, make_user):
    """Eight sessions complete the same lesson for one learner at once."""
    clients = logged_in_clients(app, make_user().email, 8)
    clients[0].submit(f"{COURSE}/enrol")
    calls = [(c, {"csrf_token": c.csrf_token()}) for c in clients]
    statuses = run_at_once(
        lambda c, data: c.post(f"{COURSE}/first-steps/complete", data=data).status_code, calls
    )
    assert statuses == [303] * 8
    assert count(LessonCompletion) == 1


def test_a_broken_edit_keeps_the_last_good_course_served(client, login_as, content):
    login_as()
    assert client.get(COURSE).status_code == 200
    lesson = content / "courses" / "01-basics" / "02-working-together.md"
    lesson.write_text(lesson.read_text() + "\n![gone](images/missing.png)\n")
    assert client.get(COURSE).status_code == 200
    assert "Working together" in client.get(COURSE).get_data(as_text=True)
