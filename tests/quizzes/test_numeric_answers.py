"""Numeric answers are shown as the trainer wrote them (issue 13, item 16)."""

import re
import shutil

import pytest

from tests.conftest import SITE_COURSES, SITE_QUIZZES

QUIZ = "/courses/basics/quizzes/numbers"
NUMBERS = """---
title: Numbers
reveal: always
---
## How old is the alliance?
= 26 ± 0

## What ratio did the survey find?
= 3.5 ± 0.1

## How many communities did the research cover?
= 171
"""


@pytest.fixture
def config_overrides(tmp_path):
    """The fixture content, with a quiz of numeric answers (a copy: fixtures stay untouched)."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    (tmp_path / "quizzes" / "basics" / "02-numbers.md").write_text(NUMBERS, encoding="utf-8")
    return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}


def answer_everything_wrong(client) -> str:
    client.submit("/courses/basics/enrol")
    page = client.get(QUIZ).get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    fields = re.findall(r'type="text" id="[^"]+" name="(q\w+)"', page)
    assert len(fields) == 3
    response = client.submit(QUIZ, {"attempt_token": token, **dict.fromkeys(fields, "1")})
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_result_page_shows_numeric_answers_as_written(client, login_as):
    login_as()
    page = answer_everything_wrong(client)
    shown = re.findall(r"Accepted answer: <strong>(.*?)</strong>", page)
    assert shown == ["26", "3.5 ± 0.1", "171"]
    assert "26.0" not in page


def test_item_analysis_lists_numeric_accepted_answers(client, login_as, auth, make_user):
    login_as()
    answer_everything_wrong(client)
    auth.logout()
    login_as(role="trainer")
    page = client.get("/admin/quizzes/basics/numbers").get_data(as_text=True)
    accepted = re.findall(r"Accepted answers: (.*?)\. If a wrong answer", page)
    assert accepted == ["26", "3.5 ± 0.1", "171"]
