"""Browser fixtures: one headless Chromium per session, the app on a live local port."""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from learnapp import completion, create_app
from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.models import QuizAttempt, now_utc
from tests.conftest import PASSWORD, POSTGRES_URL, SITE_COURSES, base_config

FIRST_COURSE = "origins-of-a-learning-alliance"  # the shipped course the browser tests use

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
REPOSITORY = Path(__file__).resolve().parents[2]
_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is missing at {CHROMIUM} (run `make test` to install it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(template_database, tmp_path_factory):
    """The app on the real shipped courses, served on 127.0.0.1 for the session."""
    folder = tmp_path_factory.mktemp("live")
    if POSTGRES_URL:
        database_url = POSTGRES_URL
    else:
        shutil.copyfile(template_database, folder / "live.db")
        database_url = f"sqlite:///{folder / 'live.db'}"
    # The shipped courses, plus the hostile draft lesson of the test fixtures.
    shutil.copytree(REPOSITORY / "courses", folder / "courses")
    shutil.copytree(REPOSITORY / "quizzes", folder / "quizzes")
    shutil.copytree(SITE_COURSES / "03-draft-notes", folder / "courses" / "99-draft-notes")
    config = base_config(database_url, folder)
    config.update(
        COURSES_DIR=str(folder / "courses"),
        QUIZZES_DIR=str(folder / "quizzes"),
        CONTENT_RELOAD_SECONDS=1.0,
    )
    app = create_app(config)
    with LiveServer(app) as server:
        app.config["BASE_URL"] = server.url
        yield server
    with app.app_context():
        db.engine.dispose()


class Visit:
    """A browser tab on the live server that records every request leaving its origin."""

    def __init__(self, context, base_url: str, javascript: bool = True):
        self.context = context
        self.base_url = base_url
        self.javascript = javascript
        context.set_default_timeout(15_000)
        self.page = context.new_page()
        self.foreign_requests: list[str] = []
        self.page.on("request", self._watch)

    def _watch(self, request) -> None:
        url = request.url
        if not (url.startswith(self.base_url) or url.startswith("data:")):
            self.foreign_requests.append(url)

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def check_accessible(self) -> None:
        """Run axe on the current page (axe needs JavaScript; the no-JS run sees the same HTML)."""
        if self.javascript:
            assert_accessible(self.page)


def create_account(live_server, role="learner", name="Browser Tester", language="en") -> str:
    """Create an account directly and return its e-mail (the password is PASSWORD)."""
    from learnapp.auth import service

    email = f"{role}-{next(_accounts)}@example.org"
    with live_server.app.app_context():
        service.create_user(email=email, name=name, password=PASSWORD, role=role, language=language)
        db.session.commit()
    return email


def log_in(visit, email: str) -> None:
    """Log in through the form."""
    page = visit.page
    visit.go("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in|Connexion|تسجيل الدخول")).click()
    page.wait_for_load_state()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request) -> bool:
    return request.param


def _open_visit(browser, live_server, javascript: bool, locale: str = "en-GB"):
    context = browser.new_context(java_script_enabled=javascript, locale=locale)
    return Visit(context, live_server.url, javascript)


@pytest.fixture
def visit(browser, live_server):
    """A fresh browser context (no cookies) with JavaScript on."""
    opened = _open_visit(browser, live_server, True)
    yield opened
    opened.context.close()
    assert opened.foreign_requests == []


@pytest.fixture
def visit_any_js(browser, live_server, javascript):
    """The same, once with JavaScript and once without."""
    opened = _open_visit(browser, live_server, javascript)
    yield opened
    opened.context.close()
    assert opened.foreign_requests == []


_AXE = None


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page."""
    global _AXE
    from axe_playwright_python.sync_playwright import Axe

    _AXE = _AXE or Axe()
    results = _AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: " + "; ".join(bad)


def right_answers(quiz) -> tuple[dict, dict]:
    answers, results = {}, {}
    for question in quiz.questions:
        if question.kind == "short":
            accepted = question.accepted[0]
            answers[question.key] = accepted.text or f"{accepted.number:g}"
        else:
            answers[question.key] = sorted(question.correct_keys)
        results[question.key] = True
    return answers, results


def seed_people(app) -> dict:
    """An admin, a trainer and a learner who finished the first course, by the services."""
    from learnapp.auth import service as accounts
    from learnapp.progress import service as progress

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        organisation = accounts.find_or_create_organisation(f"Ministry of Health {tag}")
        people = {
            role: accounts.create_user(
                email=f"{role}-{tag}@example.org",
                name=f"Browser {role.title()} {tag}",
                password=PASSWORD,
                role="learner" if role == "learner" else role,
                organisation=organisation if role == "learner" else None,
            )
            for role in ("admin", "trainer", "learner")
        }
        learner = people["learner"]
        course = catalogue().courses[FIRST_COURSE]
        progress.enrol(learner, course)
        for lesson in course.lessons:
            progress.complete_lesson(learner, course, lesson)
        for quiz in course.quizzes:
            answers, results = right_answers(quiz)
            db.session.add(
                QuizAttempt(
                    user_id=learner.id,
                    course_slug=course.slug,
                    quiz_slug=quiz.slug,
                    number=1,
                    token=f"browser-{tag}-{quiz.slug}",
                    course_version=course.version,
                    layout=[[q.key, [o.key for o in q.options]] for q in quiz.questions],
                    answers=answers,
                    results=results,
                    points=len(quiz.questions),
                    total=len(quiz.questions),
                    percent=100,
                    pass_mark=quiz.pass_mark,
                    passed=True,
                    submitted_at=now_utc(),
                )
            )
            db.session.flush()
        progress.finish_if_complete(learner, course)
        completion.commit_and_certify(learner, course)
        return {
            "organisation": organisation.id,
            **{role: (user.id, user.email) for role, user in people.items()},
        }
