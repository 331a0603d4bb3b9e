"""Time the cohort views on the admin benchmark's data (bench/seed_admin.py), with cohorts.

    .venv/bin/python bench/seed_admin.py sqlite:////tmp/admin-bench/bench.db
    .venv/bin/python bench/cohorts_bench.py sqlite:////tmp/admin-bench/bench.db

Adds (once) one cohort per organisation holding every learner of it in both bench courses,
one course due 30 days ago and one due in 30 days, so the cohort table, the CSV's cohort
columns and the overdue count have real work. Then prints, for each page, the median and
best wall time of full requests and the ratio to the raw SQL aggregate of
bench/admin_bench.py (the least any dashboard could cost), measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.admin_bench import YARDSTICK_SQL, _time  # noqa: E402
from bench.seed_admin import ADMIN_EMAIL, ADMIN_PASSWORD, bench_app  # noqa: E402


def add_cohorts(db, courses) -> int:
    """One cohort per organisation with all its learners; how many members were added."""
    from sqlalchemy import insert, select

    from learnapp.models import Cohort, CohortCourse, CohortMember, Organisation, User, now_utc

    if db.session.scalar(select(Cohort.id).limit(1)) is not None:
        return 0
    today = now_utc().date()
    slugs = sorted(courses)
    added = 0
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        cohort = Cohort(name=f"{organisation.name} bench", organisation_id=organisation.id)
        cohort.courses = [
            CohortCourse(course_slug=slug, due_on=today + dt.timedelta(days=30 * (2 * i - 1)))
            for i, slug in enumerate(slugs[:2])
        ]
        db.session.add(cohort)
        db.session.flush()
        members = db.session.scalars(select(User.id).where(User.organisation_id == organisation.id))
        rows = [{"cohort_id": cohort.id, "user_id": uid, "added_at": now_utc()} for uid in members]
        if rows:
            db.session.execute(insert(CohortMember), rows)
        added += len(rows)
    db.session.commit()
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--content", type=Path, default=Path("/tmp/admin-bench/content"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from learnapp.catalogue import catalogue
    from learnapp.extensions import db

    app = bench_app(args.database_url, args.content)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the cohort tables, on a database seeded before they existed
        added = add_cohorts(db, catalogue().courses)
        cohort = db.session.execute(db.text("SELECT min(id) FROM cohort")).scalar()
        members = db.session.execute(db.text("SELECT count(*) FROM cohort_member")).scalar()

        def yardstick() -> None:
            with db.engine.connect() as connection:
                connection.exec_driver_sql(YARDSTICK_SQL).fetchall()

        yardstick()
        yard = statistics.median(_time(yardstick, args.repeat))

    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit("could not log in as the bench admin: run bench/seed_admin.py first")

    def get(url: str):
        def call() -> None:
            response = client.get(url)
            body = response.get_data()
            assert response.status_code == 200, (url, response.status_code, body[:300])

        return call

    pages = [
        ("dashboard (with the cohort table)", "/admin/"),
        ("dashboard, one cohort", f"/admin/?cohort={cohort}"),
        ("cohorts page", "/admin/cohorts"),
        ("learner list, one cohort", f"/admin/learners?cohort={cohort}"),
        ("completions CSV, all", "/admin/reports/completions.csv"),
        ("completions CSV, one cohort", f"/admin/reports/completions.csv?cohort={cohort}"),
    ]
    print(
        f"cohort members: {members:,} ({added:,} added now); yardstick (raw SQL aggregate):"
        f" {yard * 1000:.1f} ms; {args.repeat} runs each\n"
    )
    print(f"{'page':<36}{'median':>10}{'best':>10}{'× SQL':>9}")
    for name, url in pages:
        call = get(url)
        call()
        times = _time(call, args.repeat)
        median = statistics.median(times)
        print(f"{name:<36}{median * 1000:>8.0f}ms{min(times) * 1000:>8.0f}ms{median / yard:>9.1f}")


if __name__ == "__main__":
    main()
