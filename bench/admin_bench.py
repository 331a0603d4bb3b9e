"""Time the admin views on the seeded data (bench/seed_admin.py) through the Flask test client.

    .venv/bin/python bench/seed_admin.py sqlite:////tmp/admin-bench/bench.db
    .venv/bin/python bench/admin_bench.py sqlite:////tmp/admin-bench/bench.db

Prints, for each page, the median and best wall time of full requests (the response
body read to its end, so the streamed CSV counts whole), and two ratios measured in
the same run: against a yardstick — one raw SQL aggregate over the same rows (the
least any dashboard could cost) — and against serving a static file.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.seed_admin import ADMIN_EMAIL, ADMIN_PASSWORD, bench_app  # noqa: E402

YARDSTICK_SQL = """
SELECT e.course_slug, u.organisation_id, count(*),
       sum(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),
       (SELECT count(*) FROM lesson_completion),
       (SELECT count(*) FROM quiz_attempt)
FROM enrolment e JOIN "user" u ON u.id = e.user_id
GROUP BY e.course_slug, u.organisation_id
"""


def _time(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--content", type=Path, default=Path("/tmp/admin-bench/content"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from learnapp.extensions import db

    app = bench_app(args.database_url, args.content)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit("could not log in as the bench admin: run bench/seed_admin.py first")

    with app.app_context():
        organisation = db.session.execute(db.text("SELECT min(id) FROM organisation")).scalar()
        learner = db.session.execute(db.text("SELECT min(user_id) FROM quiz_attempt")).scalar()
        counts = {
            table: db.session.execute(db.text(f'SELECT count(*) FROM "{table}"')).scalar()
            for table in ("user", "enrolment", "lesson_completion", "quiz_attempt", "certificate")
        }

        def yardstick() -> None:
            with db.engine.connect() as connection:
                connection.exec_driver_sql(YARDSTICK_SQL).fetchall()

        yardstick()
        yard = statistics.median(_time(yardstick, args.repeat))

    def get(url: str):
        def call() -> None:
            response = client.get(url)
            body = response.get_data()  # reads a streamed body to its end
            assert response.status_code == 200, (url, response.status_code, body[:300])

        return call

    static = get("/static/css/app.css")
    static()
    static_time = statistics.median(_time(static, args.repeat))
    pages = [
        ("dashboard", "/admin/"),
        ("dashboard, one organisation", f"/admin/?organisation={organisation}"),
        (
            "dashboard, organisation + dates",
            f"/admin/?organisation={organisation}&enrolled_from=2000-01-01&enrolled_to=2999-12-31",
        ),
        ("learner list, page 1", "/admin/learners"),
        ("learner list, page 40", "/admin/learners?page=40"),
        ("learner list, by progress", "/admin/learners?sort=progress&dir=desc"),
        ("learner list, completed", "/admin/learners?course=bench-origins&status=completed"),
        ("one learner", f"/admin/learners/{learner}"),
        ("quiz item analysis", "/admin/quizzes/bench-origins/final"),
        ("completions CSV, all", "/admin/reports/completions.csv"),
        ("quiz attempts CSV, all", "/admin/reports/attempts.csv"),
    ]
    print(
        "rows: "
        + ", ".join(f"{table} {count:,}" for table, count in counts.items())
        + f"\nyardstick (raw SQL aggregate): {yard * 1000:.1f} ms;"
        f" static file: {static_time * 1000:.2f} ms; {args.repeat} runs each\n"
    )
    print(f"{'page':<34}{'median':>10}{'best':>10}{'× SQL':>9}{'× static':>10}")
    for name, url in pages:
        call = get(url)
        call()  # warm: templates compiled, catalogue loaded, page cache filled
        times = _time(call, args.repeat)
        median = statistics.median(times)
        print(
            f"{name:<34}{median * 1000:>8.0f}ms{min(times) * 1000:>8.0f}ms"
            f"{median / yard:>9.1f}{median / static_time:>10.0f}"
        )


if __name__ == "__main__":
    main()
