"""A broken edit of a served course: content status and the trainer's preview say so
(issue 13, item 19); learners see nothing of it."""

import re
import shutil

import pytest
from babel.dates import format_date

from learnapp.models import now_utc
from tests.conftest import SITE_COURSES, SITE_QUIZZES

NOTICE = "Served: last good version from"
MISSING = "courses/01-basics/02-working-together.md:6: broken link images/missing.png"


@pytest.fixture
def content(tmp_path):
    """A writable copy of the fixture content (the fixtures themselves stay untouched)."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    return tmp_path


@pytest.fixture
def config_overrides(content):
    return {"COURSES_DIR": str(content / "courses"), "QUIZZES_DIR": str(content / "quizzes")}


@pytest.fixture
def broken(client, content):
    """Basics is served, then an edit breaks one of its lessons."""
    assert client.get("/courses/basics").status_code == 200  # the good version is loaded
    lesson = content / "courses" / "01-basics" / "02-working-together.md"
    lesson.write_text(lesson.read_text() + "\n![gone](images/missing.png)\n")
    return lesson


def test_content_status_shows_the_last_good_version_and_the_errors(client, login_as, broken):
    login_as(role="trainer")
    page = client.get("/admin/content").get_data(as_text=True)
    today = format_date(now_utc(), "medium", locale="en")
    assert re.search(
        rf"{NOTICE} {re.escape(today)}, [^;]+; the current files have 1 error\.", page
    ), page
    notice = page[page.index(NOTICE) :]
    assert MISSING in notice.split("</ul>")[0]  # the errors, listed with the message
    # Served, so not also listed as left out.
    assert "Left out because of errors" not in page
    served = page.split('id="courses-title"')[1].split("</table>")[0]
    assert "Basics of Cooperation" in served


def test_trainers_preview_of_a_broken_course_carries_the_notice(client, login_as, broken):
    login_as(role="trainer")
    for path in ("/courses/basics", "/courses/basics/working-together"):
        page = client.get(path).get_data(as_text=True)
        assert NOTICE in page and "the current files have 1 error" in page, path
        assert MISSING in page, path
    assert NOTICE not in client.get("/courses/integrity").get_data(as_text=True)


def test_learners_see_nothing_of_a_broken_edit(client, login_as, broken):
    login_as()
    client.submit("/courses/basics/enrol")
    for path in ("/courses/basics", "/courses/basics/working-together"):
        page = client.get(path)
        assert page.status_code == 200
        assert NOTICE not in page.get_data(as_text=True) and "missing.png" not in page.get_data(
            as_text=True
        )


def test_a_course_never_served_is_left_out(client, login_as, content):
    lesson = content / "courses" / "01-basics" / "02-working-together.md"
    lesson.write_text(lesson.read_text() + "\n![gone](images/missing.png)\n")
    login_as(role="trainer")
    page = client.get("/admin/content").get_data(as_text=True)
    assert "Left out because of errors" in page and NOTICE not in page
    assert client.get("/courses/basics").status_code == 404
