"""cProfile of one route, in-process: where a request's time goes (top frames by own time).

    python bench/cprofile_route.py DATABASE_URL COURSES_DIR QUIZZES_DIR PATH [N] [--learner]

Needs a database seeded by bench/seed.py. With --learner the requests carry a logged-in
learner's cookie (learner number CERT_LEARNERS + 1), else they are an anonymous
returning visitor's. The app's configuration is the served one (rate limiter on).
Prints the 25 frames (TOP=n: n) with the most own time over N requests (SORT=cumulative in the
environment: by cumulative time).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import CERT_LEARNERS, PASSWORD, email  # noqa: E402
from bench.webclient import CSRF  # noqa: E402

SORT = os.environ.get("SORT", "tottime")


def main(database_url: str, courses: str, quizzes: str, path: str, n: int, learner: bool) -> str:
    from learnapp import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-profile",
            "COURSES_DIR": courses,
            "QUIZZES_DIR": quizzes,
        }
    )
    client = app.test_client()
    if learner:
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        data = {"email": email(CERT_LEARNERS + 1), "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
    client.get("/")
    for _ in range(20):  # warm-up
        assert client.get(path).status_code == 200
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        client.get(path)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(SORT).print_stats(int(os.environ.get("TOP", "25")))
    return out.getvalue()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--learner"]
    count = int(args[4]) if len(args) > 4 else 500
    print(main(*args[:4], count, "--learner" in sys.argv))
