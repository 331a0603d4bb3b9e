"""Many learners at once against gunicorn (2 workers × 4 threads): nothing lost, no rule broken.

Every learner registers, enrols, completes lessons (some double- and triple-click),
passes the `basics` quiz (some fail first, some submit the same form twice) and so earns
a certificate, then fires four quiz forms at once at `integrity/secret`, which allows
one attempt. Afterwards the database itself is checked, row by row.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from learnapp.extensions import db
from learnapp.models import (
    Certificate,
    Enrolment,
    LessonCompletion,
    Organisation,
    QuizAttempt,
    User,
)
from tests.conftest import PASSWORD, run_at_once
from tests.stress.browser import Browser, Tally
from tests.stress.journeys import any_answers, at_once, basics_answers, expect, register

LEARNERS = 20
BASICS = "/courses/basics"
INTEGRITY = "/courses/integrity"
EXPECTED_COMPLETIONS = [
    ("basics", "first-steps"),
    ("basics", "working-together"),
    ("integrity", "only"),
]


@dataclass(frozen=True)
class Outcome:
    """What one learner did, as far as the server acknowledged it."""

    email: str
    basics_attempts: int
    certificate_code: str
    certificate_sha256: str


def journey(url: str, number: int, tally: Tally) -> Outcome:
    browser = Browser(url, number, tally)
    email = f"learner{number}@stress.example.org"
    register(browser, email, f"Learner {number} — متعلم")

    # Enrol (twice at once for some), then complete both lessons (clicking 3× for some).
    for response in at_once(lambda: browser.post(f"{BASICS}/enrol"), 2 if number % 3 == 0 else 1):
        expect(response, 303, "enrol")
    for lesson in ("first-steps", "working-together"):
        expect(browser.get(f"{BASICS}/{lesson}"), 200, lesson)
        url, clicks = f"{BASICS}/{lesson}/complete", 3 if number % 3 == 1 else 1
        for response in at_once(lambda url=url: browser.post(url), clicks):
            expect(response, 303, f"complete {lesson}")

    # The quiz: some fail first; some submit the passing form twice at once.
    attempts = 1
    if number % 4 == 2:
        page = browser.get(f"{BASICS}/quizzes/check").text
        failed = expect(
            browser.post(f"{BASICS}/quizzes/check", basics_answers(page, right=False)), 303, "fail"
        )
        assert failed.location.endswith("/attempts/1")
        attempts = 2
    form = basics_answers(browser.get(f"{BASICS}/quizzes/check").text, right=True)
    submissions = at_once(
        lambda: browser.post(f"{BASICS}/quizzes/check", form), 2 if number % 5 == 3 else 1
    )
    assert {expect(s, 303, "pass").location for s in submissions} == {
        f"{BASICS}/quizzes/check/attempts/{attempts}"
    }

    # One attempt allowed: four forms fired at once give one result and three refusals.
    expect(browser.post(f"{INTEGRITY}/enrol"), 303, "enrol integrity")
    expect(browser.post(f"{INTEGRITY}/only/complete"), 303, "complete integrity")
    forms = [any_answers(browser.get(f"{INTEGRITY}/quizzes/secret").text) for _ in range(4)]
    pending = iter(forms)
    statuses = at_once(lambda: browser.post(f"{INTEGRITY}/quizzes/secret", next(pending)).status, 4)
    assert sorted(statuses) == [303, 409, 409, 409], statuses

    # My learning shows the certificate; its PDF and verification page answer.
    me = expect(browser.get("/me"), 200, "my learning").text
    [code] = set(re.findall(r"/certificates/(LA-[0-9A-Z-]+)\.pdf", me))
    pdf = expect(browser.get(f"/certificates/{code}.pdf"), 200, "certificate PDF").body
    assert pdf.startswith(b"%PDF")
    expect(browser.get(f"/verify/{code}"), 200, "verify")
    expect(browser.get("/me/data.json"), 200, "my data")
    return Outcome(email, attempts, code, hashlib.sha256(pdf).hexdigest())


def check_database(database_url: str, outcomes: list[Outcome]) -> int:
    """Every rule, checked in the rows themselves; returns how many rows were read."""
    engine = create_engine(database_url)
    rows = 0
    with Session(engine) as session:
        users = {user.email: user.id for user in session.scalars(select(User))}
        assert sorted(users) == sorted(o.email for o in outcomes)
        rows += len(users)
        for outcome in outcomes:
            user_id = users[outcome.email]
            completions = session.execute(
                select(LessonCompletion.course_slug, LessonCompletion.lesson_slug).where(
                    LessonCompletion.user_id == user_id
                )
            ).all()
            assert sorted(map(tuple, completions)) == EXPECTED_COMPLETIONS, outcome.email

            numbers = defaultdict(list)
            for course, quiz, number in session.execute(
                select(QuizAttempt.course_slug, QuizAttempt.quiz_slug, QuizAttempt.number)
                .where(QuizAttempt.user_id == user_id)
                .order_by(QuizAttempt.number)
            ):
                numbers[f"{course}/{quiz}"].append(number)
            expected_numbers = list(range(1, outcome.basics_attempts + 1))
            assert numbers == {"basics/check": expected_numbers, "integrity/secret": [1]}

            enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id == user_id))
            enrolled = {e.course_slug: e for e in enrolments}
            assert sorted(enrolled) == ["basics", "integrity"]
            assert enrolled["basics"].completed_at is not None

            certificates = session.scalars(
                select(Certificate).where(Certificate.user_id == user_id)
            ).all()
            assert [(c.course_slug, c.code, c.revoked_at) for c in certificates] == [
                ("basics", outcome.certificate_code, None)
            ]
            assert certificates[0].sha256 == outcome.certificate_sha256
            assert hashlib.sha256(certificates[0].pdf).hexdigest() == outcome.certificate_sha256
            assert certificates[0].course_version == enrolled["basics"].completed_version
            rows += len(completions) + sum(map(len, numbers.values())) + 2 + len(certificates)
    engine.dispose()
    return rows


@pytest.mark.slow
def test_many_learners_at_once_lose_nothing_and_break_no_rule(serve):
    server = serve()
    tally = Tally()
    started = time.monotonic()
    with ThreadPoolExecutor(LEARNERS) as pool:
        outcomes = list(pool.map(lambda n: journey(server.url, n, tally), range(LEARNERS)))
    seconds = time.monotonic() - started
    rows = check_database(server.database_url, outcomes)
    log = server.log()
    print(
        f"\nconcurrency: {LEARNERS} learners, {tally.responses} requests in {seconds:.1f} s"
        f" ({tally.responses / seconds:.0f}/s) on {server.database_url.split(':')[0]},"
        f" statuses {dict(sorted(tally.statuses.items()))}, {len(tally.server_errors)} server"
        f" errors, {tally.dropped} dropped; {rows} rows checked"
    )
    assert tally.server_errors == [] and tally.dropped == 0
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert not re.search(r'" 5\d\d ', log), "the access log shows a server error"


def test_colleagues_registering_with_a_new_organisation_at_once_all_succeed(app):
    # A training session: everybody types the same new ministry at the same moment. One
    # registration used to create it and the others failed on its unique name (shown as
    # "An account with this e-mail already exists").
    clients = [app.test_client() for _ in range(6)]
    calls = [
        (
            client,
            {
                "csrf_token": client.csrf_token(),
                "name": f"Colleague {number}",
                "email": f"colleague{number}@health.example.org",
                "organisation": "other",
                "organisation_other": "Ministry of  Health",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "language": "en",
            },
        )
        for number, client in enumerate(clients)
    ]
    statuses = run_at_once(
        lambda client, form: client.post("/register", data=form).status_code, calls
    )
    assert statuses == [303] * 6
    [organisation] = db.session.scalars(db.select(Organisation)).all()
    assert organisation.name == "Ministry of Health"
    assert db.session.scalars(db.select(User.organisation_id)).all() == [organisation.id] * 6
