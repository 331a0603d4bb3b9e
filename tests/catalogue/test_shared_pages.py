"""The anonymous catalogue and course overview are rendered once per content version and
language, and shared: never a visitor's CSRF token, never to a signed-in user (issue 18).

Counted, not timed: how many templates were rendered.
"""

import itertools
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import template_rendered
from itsdangerous import TimestampSigner

from tests.conftest import SITE_COURSES, SITE_QUIZZES

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def config_overrides(tmp_path):
    """A copy of the site, so that a test can change a course."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}


@contextmanager
def renders(app):
    """The names of the templates rendered while the block runs."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.mark.parametrize("path", ["/", "/courses/basics"])
def test_two_visitors_share_the_page_but_each_gets_their_own_token(app, path):
    first, second = app.test_client(), app.test_client()
    with renders(app) as rendered:
        one = first.get(path).get_data(as_text=True)
    assert len(rendered) == 1
    with renders(app) as rendered:
        two = second.get(path).get_data(as_text=True)
        again = second.get(path).get_data(as_text=True)
    assert rendered == []  # both from the stored page
    token_one, token_two = TOKEN.search(one).group(1), TOKEN.search(two).group(1)
    assert token_one != token_two
    assert TOKEN.sub("", one) == TOKEN.sub("", two) == TOKEN.sub("", again)
    assert "slot" not in two
    # Each token is the visitor's own: it works in their session and not in the other's.
    switch = {"language": "fr", "next": path}
    assert second.post("/language", data={**switch, "csrf_token": token_one}).status_code == 400
    assert second.post("/language", data={**switch, "csrf_token": token_two}).status_code == 303
    assert first.post("/language", data={**switch, "csrf_token": token_one}).status_code == 303


@pytest.mark.parametrize("path", ["/", "/courses/basics"])
def test_every_form_of_a_shared_page_carries_the_visitors_own_token(app, path, monkeypatch):
    # Each signature a second later than the last: tokens signed apart differ, as they do
    # across real requests.
    clock = itertools.count(int(time.time()))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(clock))
    first, second = app.test_client(), app.test_client()
    first.get("/login")  # the first visitor's token is signed (and kept) before the page
    one = first.get(path).get_data(as_text=True)
    two = second.get(path).get_data(as_text=True)  # from the stored page
    tokens_one, tokens_two = set(TOKEN.findall(one)), set(TOKEN.findall(two))
    assert len(tokens_one) == 1 and len(tokens_two) == 1 and tokens_one != tokens_two
    switch = {"language": "fr", "next": path}
    token = tokens_two.pop()
    assert second.post("/language", data={**switch, "csrf_token": token}).status_code == 303


@pytest.mark.parametrize("path", ["/", "/courses/basics"])
def test_a_signed_in_user_never_gets_the_anonymous_page(app, client, login_as, path):
    app.test_client().get(path)  # the anonymous page is stored
    login_as()
    with renders(app) as rendered:
        page = client.get(path).get_data(as_text=True)
    assert rendered  # rendered for this user
    assert "Log out" in page and "My learning" in page
    assert "Register" not in page.split("<main", 1)[0]
    if path != "/":
        assert "Enrol in this course" in page and "Register to enrol" not in page


def test_each_language_has_its_own_page(app):
    english = app.test_client().get("/").get_data(as_text=True)
    french = app.test_client().get("/", headers={"Accept-Language": "fr"})
    assert 'lang="fr"' in french.get_data(as_text=True)
    assert 'lang="en"' in english
    arabic = app.test_client().get("/courses/basics", headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.get_data(as_text=True)


def test_a_changed_course_is_rendered_anew(app, config_overrides):
    visitor = app.test_client()
    assert "Basics of the course" not in visitor.get("/courses/basics").get_data(as_text=True)
    course_md = Path(config_overrides["COURSES_DIR"], "01-basics", "course.md")
    course_md.write_text(course_md.read_text().rstrip() + "\n\nBasics of the course.\n")
    with renders(app) as rendered:
        page = visitor.get("/courses/basics").get_data(as_text=True)
    assert rendered and "Basics of the course" in page


def test_a_visitor_with_a_message_sees_it(app):
    visitor = app.test_client()
    visitor.get("/")  # stored
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "A message for this visitor only")]
    assert "A message for this visitor only" in visitor.get("/").get_data(as_text=True)
    assert "A message for this visitor only" not in app.test_client().get("/").get_data(
        as_text=True
    )


def test_unknown_query_parameters_are_not_stored(app):
    with renders(app) as rendered:
        for number in range(3):
            app.test_client().get(f"/?utm={number}")
    assert len(rendered) == 3
