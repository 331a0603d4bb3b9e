"""Log lines cannot be forged, and a server error shows a page without a traceback (ASVS 16)."""

from __future__ import annotations

import logging

import pytest

from learnapp.logs import OneLine, escape
from tests.security.conftest import TRACEBACK

FORGED = "\nINFO learnapp: admin@example.org logged in"


def lines_logged(caplog) -> list[str]:
    return [line for record in caplog.records for line in record.getMessage().split("\n")]


def test_escape_writes_control_characters_as_escapes():
    assert escape("a\nb\r\x00\x1b\u2028c") == "a\\nb\\r\\x00\\x1b\\u2028c"
    assert escape("Zoë — العربية\tok") == "Zoë — العربية\\tok"


def test_login_with_a_newline_in_the_email_forges_no_log_line(client, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user()
    client.submit("/login", {"email": user.email + FORGED, "password": "wrong password"})
    client.submit("/register", {"name": "Eve" + FORGED, "email": "eve@example.org"})
    assert not any(line.startswith("INFO learnapp") for line in lines_logged(caplog))


def test_every_module_logger_of_the_app_escapes(app):
    loggers = [app.logger] + [
        logging.getLogger(name)
        for name in logging.root.manager.loggerDict
        if name.startswith("learnapp.")
    ]
    assert {"learnapp.catalogue", "learnapp.certificates.render"} <= {lg.name for lg in loggers}
    assert all(any(isinstance(f, OneLine) for f in lg.filters) for lg in loggers)


class TestContentProblems:
    """A content problem names the file; a file name may hold a newline."""

    @pytest.fixture
    def config_overrides(self, tmp_path):
        course = tmp_path / "courses" / "01-c"
        course.mkdir(parents=True)
        (tmp_path / "quizzes").mkdir()
        (course / "course.md").write_text("---\ntitle: C\nsummary: S\n---\nIntro.\n")
        (course / "01-a.md").write_text("# A\n\nText.\n")
        (course / f"02-b{FORGED}.md").write_text("# B\n")
        return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}

    def test_the_problem_is_logged_on_one_line(self, client, caplog):
        caplog.set_level(logging.WARNING, logger="learnapp")
        client.get("/")
        problems = [r.getMessage() for r in caplog.records if "content problem" in r.getMessage()]
        assert problems and all("\n" not in message for message in problems)
        assert any("\\nINFO learnapp" in message for message in problems)


class TestServerError:
    @pytest.fixture
    def config_overrides(self):
        return {"TESTING": False}  # as in production: the error page, not the exception

    def test_an_exception_shows_a_plain_500_page_and_logs_the_path_on_one_line(
        self, app, client, caplog
    ):
        def fail(rest):
            raise RuntimeError("boom")

        app.add_url_rule("/fail/<rest>", view_func=fail)
        caplog.set_level(logging.ERROR)
        response = client.get("/fail/x%0AINFO%20learnapp:%20forged")
        assert response.status_code == 500
        assert "Something went wrong" in response.get_data(as_text=True)
        assert TRACEBACK not in response.get_data() and b"boom" not in response.get_data()
        [record] = [r for r in caplog.records if r.getMessage().startswith("Exception on")]
        assert record.getMessage() == "Exception on /fail/x\\nINFO learnapp: forged [GET]"
        assert not app.debug
