"""Catalogue, course overview, lesson rendering and course assets (issue 3)."""

import time

import pytest


def test_catalogue_lists_published_courses_only(client):
    page = client.get("/").get_data(as_text=True)
    assert "Basics of Cooperation" in page and "Quiz Integrity" in page
    assert "Draft Notes" not in page
    assert client.get("/courses/draft-notes").status_code == 404


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_trainers_and_admins_see_drafts_marked(client, login_as, role):
    login_as(role)
    page = client.get("/").get_data(as_text=True)
    assert "Draft Notes" in page and "Draft" in page
    assert client.get("/courses/draft-notes").status_code == 200


def test_learners_do_not_see_drafts(client, login_as):
    login_as()
    assert "Draft Notes" not in client.get("/").get_data(as_text=True)
    assert client.get("/courses/draft-notes/hostile").status_code == 404


def test_overview_shows_intro_outline_and_time(client):
    page = client.get("/courses/basics").get_data(as_text=True)
    assert "This course exists for the test suite." in page
    outline = page.split("Course outline")[1]
    assert outline.index("First steps") < outline.index("Working together") < outline.index("Check")
    assert "about 20 minutes" in page


def test_lesson_links_become_lesson_urls(client, login_as):
    login_as("trainer")
    page = client.get("/courses/basics/first-steps").get_data(as_text=True)
    assert 'href="/courses/basics/working-together"' in page


def test_hostile_html_is_stripped_from_the_lesson(client, login_as):
    login_as("trainer")
    page = client.get("/courses/draft-notes/hostile").get_data(as_text=True)
    body = page.split('class="prose"')[1].split("</article>")[0]
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onload", "<svg"):
        assert bad not in body
    assert 'src="/courses/draft-notes/assets/images/dot.png"' in body
    assert 'loading="lazy"' in body


def test_asset_is_served_with_type_and_cache_headers(client, login_as):
    login_as("trainer")
    with client.get("/courses/draft-notes/assets/images/dot.png") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert "max-age=86400" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "../../../etc/passwd",
        "..%2F..%2Fcourse.md",
        "%2e%2e/%2e%2e/pyproject.toml",
        "/etc/passwd",
        "01-first-steps.md",
        "course.md",
        "nothing-here.png",
    ],
)
def test_asset_traversal_and_sources_are_404(client, path):
    response = client.get(f"/courses/basics/assets/{path}", follow_redirects=True)
    assert response.status_code == 404


def test_draft_course_assets_are_hidden_from_visitors(client):
    assert client.get("/courses/draft-notes/assets/images/dot.png").status_code == 404


class TestLiveReload:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        import shutil

        from tests.conftest import SITE_COURSES, SITE_QUIZZES

        shutil.copytree(SITE_COURSES, tmp_path / "courses")
        shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
        return {
            "COURSES_DIR": str(tmp_path / "courses"),
            "QUIZZES_DIR": str(tmp_path / "quizzes"),
            "CONTENT_RELOAD_SECONDS": 1.0,
        }

    def test_an_edit_shows_up_within_two_seconds_without_restart(self, app, client):
        assert "Basics of Cooperation" in client.get("/").get_data(as_text=True)
        course_md = f"{app.config['COURSES_DIR']}/01-basics/course.md"
        with open(course_md) as handle:
            text = handle.read()
        with open(course_md, "w") as handle:
            handle.write(text.replace("Basics of Cooperation", "Basics of Alliances"))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if "Basics of Alliances" in client.get("/").get_data(as_text=True):
                break
            time.sleep(0.1)
        assert "Basics of Alliances" in client.get("/").get_data(as_text=True)
