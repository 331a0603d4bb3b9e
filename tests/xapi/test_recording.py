"""Statements are written with the change that causes them, once, and wait out an LRS outage."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.models import Enrolment, XapiActor, XapiStatement
from learnapp.progress import service as progress
from tests.conftest import (
    COURSE,
    PASSWORD,
    finish_course,
    logged_in_clients,
    pass_quiz,
    run_at_once,
)
from tests.xapi.conftest import free_port

JOURNEY = ["registered", "completed", "completed", "answered", "answered", "passed", "completed"]


@pytest.fixture
def config_overrides():
    # An LRS that is not there: nothing in a page may wait for it.
    return {"XAPI_ENDPOINT": f"http://127.0.0.1:{free_port()}/xAPI/"}


def rows() -> list[XapiStatement]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(XapiStatement).order_by(XapiStatement.id)))


def test_a_journey_queues_its_statements_pseudonymously(client, login_as):
    user = login_as(email="amina.haddad@example.org", name="Amina Haddad")
    finish_course(client)
    queued = rows()
    assert [row.verb for row in queued] == JOURNEY
    pseudonym = db.session.scalar(db.select(XapiActor.name).where(XapiActor.user_id == user.id))
    assert {row.statement["actor"]["account"]["name"] for row in queued} == {pseudonym}
    text = json.dumps([row.statement for row in queued]).lower()
    assert "amina" not in text and "haddad" not in text and "@" not in text
    assert [row.statement_id for row in queued] == [row.statement["id"] for row in queued]
    course = queued[-1].statement
    assert course["object"]["id"] == "https://learn.example.org/courses/basics"
    assert all(row.sent_at is None and row.attempts == 0 for row in queued)


def test_nothing_is_recorded_without_an_endpoint(app, client, login_as):
    app.config["XAPI_ENDPOINT"] = ""
    login_as()
    finish_course(client)
    assert rows() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(XapiActor)) == 0


def test_a_rolled_back_change_queues_nothing(app, make_user):
    user = make_user()
    progress.enrol(user, catalogue().courses["basics"])
    assert [row.verb for row in rows()] == ["registered"]
    db.session.rollback()
    assert rows() == []
    assert db.session.scalar(db.select(Enrolment)) is None


def test_doing_a_step_again_sends_nothing_again(client, login_as):
    login_as()
    finish_course(client)
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    assert [row.verb for row in rows()] == JOURNEY


def test_the_course_is_completed_once_when_two_requests_finish_it(app, client, login_as):
    user = login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    client.submit(f"{COURSE}/working-together/complete")
    first, second = logged_in_clients(app, user.email, 2)
    answers = run_at_once(pass_quiz, [(first,), (second,)])
    assert [answer.status_code for answer in answers] == [303, 303]
    verbs = [row.verb for row in rows()]
    assert verbs.count("passed") == 2  # two attempts, each its own statement
    course_done = [
        row
        for row in rows()
        if row.verb == "completed"
        and row.statement["object"]["definition"]["type"].endswith("course")
    ]
    assert len(course_done) == 1


def test_an_lrs_outage_loses_nothing_and_the_worker_retries_later(client, login_as, runner):
    login_as()
    finish_course(client)  # every page answered although the LRS is down
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "7 to retry" in result.output
    queued = rows()
    assert len(queued) == 7
    for row in queued:
        assert row.sent_at is None and row.failed_at is None
        assert row.attempts == 1 and "refused" in row.last_error.lower()
    first_due = {row.id: row.due_at for row in queued}
    result = runner.invoke(args=["worker", "--once"])  # before the backoff ends: nothing tried
    assert "xAPI" not in result.output
    assert {row.id: row.due_at for row in rows()} == first_due


def test_the_worker_refuses_an_endpoint_it_cannot_use(app, runner):
    app.config["XAPI_ENDPOINT"] = "ftp://lrs.example.org/xAPI/"
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0
    assert "LEARNAPP_XAPI_ENDPOINT must be an http:// or https:// URL" in result.output
    app.config["XAPI_ENDPOINT"] = "https://user:pw@lrs.example.org/xAPI/"
    result = runner.invoke(args=["worker", "--once"])
    assert "LEARNAPP_XAPI_USERNAME" in result.output


def test_doctor_says_what_is_wrong_with_the_lrs(app):
    from learnapp.doctor import check_xapi

    down = check_xapi(app)
    assert down.status == "failure" and "cannot be used" in down.detail
    app.config["XAPI_ENDPOINT"] = ""
    assert "not set" in check_xapi(app).detail
    app.config["XAPI_ENDPOINT"] = "lrs.example.org"
    wrong = check_xapi(app)
    assert wrong.status == "failure" and "http:// or https://" in wrong.detail


def test_the_lrs_password_is_never_shown():
    from learnapp.xapi.sender import Lrs

    lrs = Lrs.from_config(
        {"XAPI_ENDPOINT": "https://lrs.example.org/xAPI", "XAPI_USERNAME": "learnapp",
         "XAPI_PASSWORD": "s3cret"}
    )  # fmt: skip
    assert lrs.statements_url == "https://lrs.example.org/xAPI/statements"
    assert "s3cret" not in repr(lrs) and "s3cret" not in lrs.describe()


def test_the_status_command_counts_and_retry_requeues(app, client, login_as, runner):
    login_as()
    client.submit(f"{COURSE}/enrol")
    row = rows()[0]
    row.failed_at, row.last_error = row.created_at, "LrsRefused: HTTP 409: conflict"
    db.session.commit()
    status = runner.invoke(args=["xapi", "status"]).output
    assert "0 queued, 0 sent, 1 failed" in status and "HTTP 409" in status
    assert "1 statement(s) queued again" in runner.invoke(args=["xapi", "retry"]).output
    assert rows()[0].failed_at is None and rows()[0].attempts == 0


def test_a_learner_sees_their_pseudonym_and_deleting_the_account_forgets_it(client, login_as):
    user = login_as()
    assert client.get("/me/data.json").get_json()["profile"]["xapi_account_name"] is None
    client.submit(f"{COURSE}/enrol")
    pseudonym = rows()[0].statement["actor"]["account"]["name"]
    assert client.get("/me/data.json").get_json()["profile"]["xapi_account_name"] == pseudonym
    client.submit("/account/delete", {"delete-password": PASSWORD})
    assert db.session.scalar(db.select(XapiActor).where(XapiActor.user_id == user.id)) is None
    assert len(rows()) == 1  # what was recorded still goes, tied to nobody


class _Answering(http.server.BaseHTTPRequestHandler):
    """An LRS that answers every request with one status (set on the server)."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(self.headers["X-Experience-API-Version"])
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answering)
    server.posts, server.status = [], 503
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_lrs_error_of_its_own_is_retried_and_a_bad_statement_set_aside(
    app, client, login_as, runner, answering
):
    app.config["XAPI_ENDPOINT"] = f"http://127.0.0.1:{answering.server_port}/xAPI"
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    assert (
        "0 statement(s) sent, 2 to retry, 0 failed"
        in runner.invoke(args=["worker", "--once"]).output
    )
    assert answering.posts == ["1.0.3"]  # one batch; the LRS failing, nothing more tried
    assert all("HTTP 503" in row.last_error and row.failed_at is None for row in rows())

    answering.status = 400  # the batch refused: each alone, each refused for good
    db.session.execute(db.update(XapiStatement).values(due_at=XapiStatement.created_at))
    db.session.commit()
    assert (
        "0 statement(s) sent, 0 to retry, 2 failed"
        in runner.invoke(args=["worker", "--once"]).output
    )
    assert len(answering.posts) == 1 + 3
    assert all(row.failed_at is not None and row.attempts == 2 for row in rows())


def test_a_bulk_enrolment_registers_each_new_learner_once(app, make_user):
    course = catalogue().courses["basics"]
    first, second = make_user(email="one@example.org"), make_user(email="two@example.org")
    progress.enrol(first, course)
    assert progress.enrol_many([(first.id, course), (second.id, course)]) == 1
    assert progress.enrol_many([(first.id, course), (second.id, course)]) == 0
    queued = rows()
    assert [row.verb for row in queued] == ["registered", "registered"]
    actors = {row.statement["actor"]["account"]["name"] for row in queued}
    names = set(db.session.scalars(db.select(XapiActor.name)))
    assert len(actors) == 2 and actors == names
