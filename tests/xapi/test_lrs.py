"""A real LRS (Ralph) receives a learner's statements; Learning Locker's validator checks
every one; an outage mid-journey still delivers everything exactly once."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from learnapp.extensions import db
from learnapp.models import XapiStatement, now_utc
from tests.conftest import COURSE, pass_quiz
from tests.xapi.conftest import PASSWORD, USERNAME, validation_problems

pytestmark = pytest.mark.slow
QUIZ = f"{COURSE}/quizzes/check"


@pytest.fixture
def lrs_app(app, ralph):
    app.config.update(XAPI_ENDPOINT=ralph.endpoint, XAPI_USERNAME=USERNAME, XAPI_PASSWORD=PASSWORD)
    return app


def fail_quiz(client):
    """Answer the fixture quiz wrongly: Paris, and 5 communities."""
    page = client.get(QUIZ).get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    radio = re.search(r'type="radio" id="[^"]+" name="(q\w+)" value="(\w+)"', page)
    text_field = re.search(r'type="text" id="[^"]+" name="(q\w+)"', page).group(1)
    data = {"attempt_token": token, radio.group(1): radio.group(2), text_field: "5"}
    return client.submit(QUIZ, data)


def rows() -> list[XapiStatement]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(XapiStatement).order_by(XapiStatement.id)))


def work(runner) -> str:
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_learners_journey_reaches_the_lrs_valid_and_whole(
    lrs_app, ralph, validator, client, login_as, runner
):
    login_as(email="amina@example.org", name="Amina Haddad")
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    client.submit(f"{COURSE}/working-together/complete")
    assert fail_quiz(client).status_code == 303
    assert pass_quiz(client).status_code == 303
    assert "xAPI: 10 statement(s) sent, 0 to retry, 0 failed" in work(runner)

    stored = ralph.statements()
    ours = rows()
    assert all(row.sent_at is not None for row in ours)
    assert sorted(s["id"] for s in stored) == sorted(row.statement_id for row in ours)
    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[1] for s in stored)
    assert verbs == {"registered": 1, "completed": 3, "answered": 4, "failed": 1, "passed": 1}
    assert {s["actor"]["account"]["homePage"] for s in stored} == {"https://learn.example.org"}
    assert all("mbox" not in s["actor"] and "name" not in s["actor"] for s in stored)

    by_verb = {s["verb"]["id"].rsplit("/", 1)[1]: s for s in stored}
    assert by_verb["passed"]["result"]["score"] == {"raw": 2, "min": 0, "max": 2, "scaled": 1.0}
    assert by_verb["failed"]["result"]["score"] == {"raw": 0, "min": 0, "max": 2, "scaled": 0}
    assert by_verb["failed"]["result"]["success"] is False
    interactions = {
        s["object"]["definition"]["interactionType"]: s["object"]["definition"]
        for s in stored
        if s["verb"]["id"].endswith("answered")
    }
    assert interactions["numeric"]["correctResponsesPattern"] == ["171"]
    choice = interactions["choice"]
    geneva = next(c["id"] for c in choice["choices"] if c["description"]["en"] == "Geneva")
    assert choice["correctResponsesPattern"] == [geneva]

    assert validation_problems(validator, stored) == [[]] * len(stored)
    built = [row.statement for row in ours]
    assert validation_problems(validator, built) == [[]] * len(built)


def test_the_validator_catches_a_broken_statement(validator):
    broken = {"id": "not-a-uuid", "actor": {"mbox": "bob"}, "verb": {}, "object": {"id": "x"}}
    problems = validation_problems(validator, [broken])[0]
    assert any("actor.mbox" in problem for problem in problems)
    assert any("statement.id" in problem for problem in problems)


def test_an_lrs_outage_mid_journey_delivers_everything_exactly_once(
    lrs_app, ralph, client, login_as, runner
):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    assert "xAPI: 2 statement(s) sent" in work(runner)

    ralph.stop()
    assert client.submit(f"{COURSE}/working-together/complete").status_code == 303
    assert pass_quiz(client).status_code == 303
    assert "xAPI: 0 statement(s) sent, 5 to retry, 0 failed" in work(runner)
    waiting = [row for row in rows() if row.sent_at is None]
    assert len(waiting) == 5 and all(row.attempts == 1 for row in waiting)

    ralph.start()  # the same store, back again
    # The backoff has passed; and a worker that died after the LRS stored its batch but
    # before marking it sent leaves the first two rows to be sent again.
    db.session.execute(
        db.update(XapiStatement).values(due_at=now_utc(), sent_at=None, claimed_until=None)
    )
    db.session.commit()
    assert "xAPI: 7 statement(s) sent, 0 to retry, 0 failed" in work(runner), rows()[0].last_error
    assert "xAPI" not in work(runner)  # nothing left

    stored = ralph.statements()
    assert len(stored) == 7
    assert sorted(s["id"] for s in stored) == sorted(row.statement_id for row in rows())


def test_a_statement_the_lrs_refuses_is_set_aside_and_the_rest_delivered(
    lrs_app, ralph, client, login_as, runner
):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    registered = rows()[0].statement
    # Another statement already holds this id in the LRS: it answers 409 Conflict.
    impostor = {**registered, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"}}
    ralph.post([impostor])
    assert "xAPI: 1 statement(s) sent, 0 to retry, 1 failed" in work(runner)
    refused, delivered = rows()
    assert refused.failed_at is not None and "HTTP 409" in refused.last_error
    assert delivered.sent_at is not None
    stored = {s["id"]: s for s in ralph.statements()}
    assert stored[registered["id"]]["verb"]["id"].endswith("attempted")
    assert delivered.statement_id in stored


def test_doctor_sees_the_lrs_answer_and_refuse_a_wrong_password(lrs_app, ralph):
    from learnapp.doctor import check_xapi

    assert check_xapi(lrs_app).status == "ok"
    lrs_app.config["XAPI_PASSWORD"] = "wrong"
    refused = check_xapi(lrs_app)
    assert refused.status == "failure" and "HTTP 401" in refused.detail
