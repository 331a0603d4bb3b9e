"""Two app nodes (`learnapp serve`, 2 workers each) share one database and one Redis.

A learner logs in on node A and carries on on node B; failed logins are counted across
both; a certificate issued on A downloads from B byte for byte; a content change shows on
both. With LEARNAPP_TEST_DATABASE_URL (PostgreSQL, as in CI's second run) the nodes share
a scratch PostgreSQL database created here; otherwise a shared SQLite file. Redis is the
one on 127.0.0.1:6379 (an empty logical database, flushed afterwards) or, when that does
not answer, a private `redis-server` started for the test. In CI nothing here may skip.
"""

from __future__ import annotations

import json
import shutil
import time
from contextlib import ExitStack

import pytest

from tests.conftest import FIXTURES, ISSUER_KEY, PASSWORD, POSTGRES_URL, migrate_to_head
from tests.deploy.nodes import (
    ATTEMPT,
    OPTION,
    SECRET,
    SHORT,
    Visitor,
    create_learner,
    free_port,
    postgres_database,
    redis_storage,
    serve,
    wait_ready,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def nodes(tmp_path):
    """Ports of nodes A and B, the content folder and the learner's e-mail."""
    with ExitStack() as stack:
        database_url = (
            postgres_database(stack) if POSTGRES_URL else f"sqlite:///{tmp_path / 'shared.db'}"
        )
        migrate_to_head(database_url, tmp_path)
        site = tmp_path / "site"
        shutil.copytree(FIXTURES / "site", site)
        email = "two.nodes@example.org"
        create_learner(database_url, site, tmp_path, email)
        ports = free_port(), free_port()
        env = {
            "LEARNAPP_DATABASE_URL": database_url,
            "LEARNAPP_ISSUER_KEY": ISSUER_KEY,
            "LEARNAPP_SECRET_KEY": SECRET,
            "LEARNAPP_COURSES_DIR": str(site / "courses"),
            "LEARNAPP_QUIZZES_DIR": str(site / "quizzes"),
            "LEARNAPP_BASE_URL": f"http://127.0.0.1:{ports[0]}",
            "LEARNAPP_RATELIMIT_STORAGE_URI": redis_storage(stack, tmp_path),
        }
        started = [
            (
                port,
                serve(stack, env, port, tmp_path / f"node-{port}.log"),
                tmp_path / f"node-{port}.log",
            )
            for port in ports
        ]
        for port, process, log in started:
            wait_ready(port, process, log)
        yield ports, site, email


# ---------------------------------------------------------------- the test


def test_two_nodes_share_sessions_limits_certificates_and_content(nodes):
    (a, b), site, email = nodes
    learner = Visitor()

    # Logged in on A, the same cookie is a session on B; forms from one node post to the other.
    assert learner.log_in(a, email, PASSWORD)[0] == 303
    course = learner.page(b, "/courses/basics")
    assert learner.submit(b, "/courses/basics/enrol", {}, course)[0] == 303
    first = learner.page(a, "/courses/basics/first-steps")
    status, headers, _ = learner.submit(b, "/courses/basics/first-steps/complete", {}, first)
    assert status == 303 and headers["Location"].endswith("/courses/basics/working-together")
    progress_a = json.loads(learner.page(a, "/me/data.json"))["lesson_completions"]
    progress_b = json.loads(learner.page(b, "/me/data.json"))["lesson_completions"]
    assert progress_a == progress_b and [c["lesson"] for c in progress_a] == ["first-steps"]

    # Failed logins alternate between the nodes (2 workers each): the 11th is refused.
    intruder = Visitor()
    statuses = [
        intruder.log_in((a, b)[n % 2], email, "not the password at all")[0] for n in range(11)
    ]
    assert statuses == [200] * 10 + [429], statuses

    # Finish the course: the quiz form comes from B, the answers go to A, which issues the
    # certificate; B serves the same bytes.
    second = learner.page(b, "/courses/basics/working-together")
    assert learner.submit(a, "/courses/basics/working-together/complete", {}, second)[0] == 303
    quiz = learner.page(b, "/courses/basics/quizzes/check")
    answers = [("attempt_token", ATTEMPT.search(quiz).group(1))]
    answers += [(f, v) for f, v, label in OPTION.findall(quiz) if "Geneva" in label]
    answers += [(SHORT.search(quiz).group(1), "171")]
    status, headers, _ = learner.submit(a, "/courses/basics/quizzes/check", answers, quiz)
    assert status == 303 and "/attempts/1" in headers["Location"]
    certificates = json.loads(learner.page(b, "/me/data.json"))["certificates"]
    assert len(certificates) == 1
    path = f"/certificates/{certificates[0]['code']}.pdf"
    from_a, from_b = learner.get(a, path), learner.get(b, path)
    assert from_a[0] == from_b[0] == 200
    assert from_b[1]["Content-Type"] == "application/pdf"
    assert from_a[2] == from_b[2] and from_b[2].startswith(b"%PDF")

    # A trainer's edit is served by both nodes within seconds, without a restart (the
    # content check runs every 2 s; the window is wide because CI machines are noisy).
    lesson = site / "courses" / "01-basics" / "01-first-steps.md"
    lesson.write_text(lesson.read_text().replace("# First steps", "# First steps, revised"))
    changed = time.monotonic()
    seen: dict[int, float] = {}
    while len(seen) < 2 and time.monotonic() - changed < 15:
        for port in (a, b):
            if port not in seen and "First steps, revised" in learner.page(port, "/courses/basics"):
                seen[port] = time.monotonic() - changed
        time.sleep(0.1)
    assert set(seen) == {a, b}, f"not seen on every node within 15 s: {seen}"
    for port in (a, b, a, b):  # every worker of both nodes now serves the new title
        assert "First steps, revised" in learner.page(port, "/courses/basics")
