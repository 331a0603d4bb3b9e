"""Per-request CPU cost in-process (Flask test clients, no sockets): app routes vs yardsticks.

    python bench/inproc.py DATABASE_URL COURSES_DIR QUIZZES_DIR YARDSTICK_DATABASE_URL [N]

The least noisy figures of the bench on a shared machine: routes are interleaved, and the
figure is the median *CPU time of the thread* per request (time.thread_time), so another
process taking the CPU does not count. Needs a database seeded by bench/seed.py; it adds
completions and quiz attempts. Prints one JSON object: route -> median microseconds, and
"statements": route -> SQL statements sent per request (median), a count that does not move
with the machine's load. PROFILE=route (a name below) also profiles that route with cProfile
and prints its 30 frames of most cumulative time to stderr.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import content  # noqa: E402
from bench.seed import CERT_LEARNERS, PASSWORD, email  # noqa: E402
from bench.webclient import CSRF  # noqa: E402

CLIENTS = 40


def main(database_url: str, courses: str, quizzes: str, yardstick_url: str, n: int) -> dict:
    from sqlalchemy import delete, event

    from learnapp import create_app
    from learnapp.catalogue import catalogue
    from learnapp.extensions import db
    from learnapp.models import Certificate, LessonCompletion, User
    from learnapp.quizzes.service import new_attempt_form

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-inproc",
            "COURSES_DIR": courses,
            "QUIZZES_DIR": quizzes,
            "RATELIMIT_ENABLED": False,
        }
    )
    clients = []
    for number in range(CERT_LEARNERS + 1, CERT_LEARNERS + 1 + CLIENTS):
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post(
            "/login", data={"email": email(number), "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.status_code
        page = client.get(f"/courses/{content.COURSE}/{content.lesson_slug(1)}")
        clients.append((client, CSRF.search(page.get_data(as_text=True)).group(1)))
    owner = app.test_client()
    token = CSRF.search(owner.get("/login").get_data(as_text=True)).group(1)
    owner.post("/login", data={"email": email(1), "password": PASSWORD, "csrf_token": token})
    with app.app_context():
        users = {row.email: row.id for row in db.session.execute(db.select(User.id, User.email))}
        code = db.session.scalar(
            db.select(Certificate.code).where(Certificate.user_id == users[email(1)])
        )
        course = catalogue().courses[content.COURSE]
        quiz = course.quiz(content.QUIZ)
        # Every "Mark complete" below inserts a row, as a learner's click does.
        clients_ids = [users[email(CERT_LEARNERS + 1 + i)] for i in range(CLIENTS)]
        db.session.execute(
            delete(LessonCompletion).where(
                LessonCompletion.user_id.in_(clients_ids),
                LessonCompletion.course_slug == content.COURSE,
            )
        )
        db.session.commit()

    anonymous = app.test_client()
    anonymous.get("/")  # a returning visitor: the session (CSRF token) exists
    css = re.search(r'href="(/static/css/[^"]+)"', anonymous.get("/").get_data(as_text=True))
    css_url = css.group(1).replace("&amp;", "&")

    os.environ.update(YS_DATABASE_URL=yardstick_url)
    page_bytes = len(clients[0][0].get(f"/courses/{content.COURSE}/{content.lesson_slug(2)}").data)
    os.environ.update(YS_PAGE_BYTES=str(page_bytes))
    sys.path.insert(0, str(ROOT / "bench"))
    import yardstick

    yardstick.init_db()
    ys = yardstick.app.test_client()
    rng = random.Random(3)
    pairs = [(c, n) for c in range(CLIENTS) for n in range(1, content.LESSONS)]
    rng.shuffle(pairs)

    def lesson(i):
        client, _ = clients[i % CLIENTS]
        number = rng.randint(1, content.LESSONS)
        return client.get(f"/courses/{content.COURSE}/{content.lesson_slug(number)}"), 200

    def lesson_compressed(i):
        client, _ = clients[i % CLIENTS]
        number = rng.randint(1, content.LESSONS)
        url = f"/courses/{content.COURSE}/{content.lesson_slug(number)}"
        return client.get(url, headers={"Accept-Encoding": "br, gzip"}), 200

    def complete(i):
        index, number = pairs[i % len(pairs)]
        client, csrf = clients[index]
        url = f"/courses/{content.COURSE}/{content.lesson_slug(number)}/complete"
        return client.post(url, data={"csrf_token": csrf}), 303

    forms = []

    def prepare_quiz(i):
        index = i % CLIENTS
        client, csrf = clients[index]
        with app.test_request_context():
            user = SimpleNamespace(id=users[email(CERT_LEARNERS + 1 + index)])
            form = new_attempt_form(user, course, quiz)
        data = {"attempt_token": form.token, "csrf_token": csrf}
        for shown in form.questions:
            if shown.question.kind == "short":
                data[shown.field] = "171"
            else:
                data[shown.field] = [oid for oid, option in shown.options if option.correct]
        forms.append((client, data))

    def quiz_submit(i):
        client, data = forms.pop()
        return client.post(f"/courses/{content.COURSE}/quizzes/{quiz.slug}", data=data), 303

    learner = clients[0][0]
    routes = {
        "(a) /bare": lambda i: (ys.get("/bare"), 200),
        "/healthz": lambda i: (learner.get("/healthz"), 200),
        "static CSS file": lambda i: (learner.get(css_url), 200),
        "static CSS file, Accept-Encoding: br": lambda i: (
            learner.get(css_url, headers={"Accept-Encoding": "br, gzip"}),
            200,
        ),
        "catalogue, anonymous": lambda i: (anonymous.get("/"), 200),
        "course overview, anonymous": lambda i: (anonymous.get(f"/courses/{content.COURSE}"), 200),
        "(b) /bytes": lambda i: (ys.get("/bytes"), 200),
        "(c) /template": lambda i: (ys.get("/template"), 200),
        "(d) /progress": lambda i: (ys.get("/progress"), 200),
        "/write (bare upsert)": lambda i: (ys.get("/write"), 200),
        "lesson page": lesson,
        "lesson page, Accept-Encoding: br": lesson_compressed,
        "mark complete": complete,
        "quiz submission": quiz_submit,
        "certificate download": lambda i: (owner.get(f"/certificates/{code}.pdf"), 200),
    }
    for i in range(10):  # warm-up, and a check of every route's status
        prepare_quiz(i)
        for name, route in routes.items():
            response, expected = route(i)
            assert response.status_code == expected, (name, response.status_code)
    times = {name: [] for name in routes}
    counts = {name: [] for name in routes}
    sent = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(1))
    profiled, profile = os.environ.get("PROFILE"), cProfile.Profile()
    for i in range(n):
        prepare_quiz(i)
        for name, route in routes.items():
            sent.clear()
            start = time.thread_time()
            if name == profiled:
                profile.runcall(route, i)
            else:
                route(i)
            times[name].append(time.thread_time() - start)
            counts[name].append(len(sent))
    if profiled:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    result = {name: round(statistics.median(ts) * 1e6) for name, ts in times.items()}
    result["statements"] = {
        name: statistics.median(c)
        for name, c in counts.items()
        if not name.startswith(("(", "/write"))
    }
    result["page_bytes"] = page_bytes
    with app.app_context():
        db.engine.dispose()
    yardstick.engine.dispose()
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(*args[:4], int(args[4]) if len(args) > 4 else 300)))
