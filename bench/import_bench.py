"""Bulk import (issue 16): 10,000 rows through the real pages, then the partner-scoped
dashboard at 10,000 learners against its raw SQL aggregate, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--no-pg]

A partner manager uploads a `;`-separated UTF-8 CSV with a BOM (Arabic and French names)
through the Flask test client, opens the preview, and confirms: accounts, cohort
memberships, enrolments in the cohort's two courses and invitation e-mails (rendered and
sealed into the outbox) are written. Prints the seconds of each step (goal: the whole
import under a minute), then re-imports the same file (must change nothing). Then seeds
lesson completions for those learners and times the manager's dashboard (`/admin/`,
median of 7) against one raw SQL aggregate of the same figures over the same
organisation (DB-API; goal: ≤ 3×). The PostgreSQL half needs a server on 127.0.0.1:5432
(BENCH_PG_URL, the maintenance database); it creates and drops `learnapp_import_bench`.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed_admin import COURSES, bench_app, write_content  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "learnapp_import_bench"
PASSWORD = "bench manager password"
ORGANISATION = "Ministry of Education"
COHORT = "Bench cohort"
FIRST = ["أمينة", "فاطمة", "Jean-François", "Éloïse", "Nour", "Zoé", "Karim", "Hélène"]
LAST = ["حداد", "الزهراء", "Dupont", "Müller-Ørsted", "Saleh", "de la Tour", "O'Brien"]

RAW_AGGREGATE = """
SELECT e.course_slug, u.organisation_id,
       COUNT(*) AS enrolled,
       SUM(CASE WHEN e.completed_at IS NULL AND p.done > 0 THEN 1 ELSE 0 END) AS in_progress,
       COUNT(e.completed_at) AS completed,
       COUNT(c.id) AS certified,
       AVG(b.best) AS average_best_score
FROM enrolment e
JOIN "user" u ON u.id = e.user_id
LEFT JOIN (SELECT user_id, course_slug, COUNT(*) AS done FROM lesson_completion
           GROUP BY user_id, course_slug) p
       ON p.user_id = e.user_id AND p.course_slug = e.course_slug
LEFT JOIN (SELECT user_id, course_slug, MAX(percent) AS best FROM quiz_attempt
           GROUP BY user_id, course_slug) b
       ON b.user_id = e.user_id AND b.course_slug = e.course_slug
LEFT JOIN certificate c
       ON c.user_id = e.user_id AND c.course_slug = e.course_slug AND c.revoked_at IS NULL
WHERE u.organisation_id = {organisation}
GROUP BY e.course_slug, u.organisation_id
"""

# The rest of what the page shows, as raw SQL too: the distinct learners (per organisation
# and overall) and the cohort table (members by status against the due date). The medians
# are left out, so this yardstick is, if anything, lighter than the page.
RAW_LEARNERS = """
SELECT COUNT(DISTINCT e.user_id) FROM enrolment e JOIN "user" u ON u.id = e.user_id
WHERE u.organisation_id = {organisation}
"""

RAW_COHORTS = """
SELECT cc.cohort_id, cc.course_slug, COUNT(*) AS members,
       SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS completed,
       SUM(CASE WHEN e.completed_at IS NULL AND cc.due_on < CURRENT_DATE THEN 1 ELSE 0 END)
           AS overdue,
       SUM(CASE WHEN e.completed_at IS NULL AND (cc.due_on IS NULL OR cc.due_on >= CURRENT_DATE)
                AND p.done > 0 THEN 1 ELSE 0 END) AS in_progress
FROM cohort_course cc
JOIN cohort_member m ON m.cohort_id = cc.cohort_id
JOIN "user" u ON u.id = m.user_id
LEFT JOIN enrolment e ON e.user_id = m.user_id AND e.course_slug = cc.course_slug
LEFT JOIN (SELECT user_id, course_slug, COUNT(*) AS done FROM lesson_completion
           GROUP BY user_id, course_slug) p
       ON p.user_id = m.user_id AND p.course_slug = cc.course_slug
WHERE u.organisation_id = {organisation}
GROUP BY cc.cohort_id, cc.course_slug
"""


def the_file(rows: int) -> bytes:
    rng = random.Random(16)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["email", "name", "organisation", "language", "cohort"])
    for number in range(rows):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        language = rng.choice(["ar", "fr", "en"])
        writer.writerow([f"learner{number}@bench.example", name, ORGANISATION, language, COHORT])
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def timed(call):
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def run(kind: str, database_url: str, rows: int, work: Path) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from learnapp.auth import service as accounts
    from learnapp.catalogue import catalogue
    from learnapp.extensions import db
    from learnapp.models import Cohort, CohortCourse, Enrolment, LessonCompletion, User, now_utc

    write_content(work / "content")
    app = bench_app(
        database_url,
        work / "content",
        IMPORTS_DIR=str(work / "imports"),
        MAIL_URL="smtp://127.0.0.1:25",  # configured: invitations go to the outbox
        BASE_URL="https://learn.example.org",
    )
    with app.app_context():
        upgrade()
        organisation = accounts.find_or_create_organisation(ORGANISATION)
        cohort = Cohort(name=COHORT, organisation_id=organisation.id)
        cohort.courses = [CohortCourse(course_slug=slug) for slug in COURSES]
        db.session.add(cohort)
        manager = accounts.create_user(
            email="focal@bench.example", name="Focal Point", password=PASSWORD, role="manager"
        )
        manager.managed_organisations = [organisation]
        db.session.commit()
        organisation_id = organisation.id

    client = app.test_client()
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/login", data={"email": "focal@bench.example", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, "login failed"
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        client.get("/admin/learners/import").get_data(as_text=True),
    ).group(1)
    data = the_file(rows)

    def upload():
        response = client.post(
            "/admin/learners/import",
            data={"file": (io.BytesIO(data), "learners.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response.location

    def preview(path):
        page = client.get(path)
        assert page.status_code == 200
        return page.get_data(as_text=True)

    def confirm(path):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]

    result = {"rows": rows}
    upload_s, path = timed(upload)
    preview_s, page = timed(lambda: preview(path))
    assert "Error:" not in page
    confirm_s, _ = timed(lambda: confirm(path))
    result.update(
        upload_s=round(upload_s, 2),
        preview_s=round(preview_s, 2),
        confirm_s=round(confirm_s, 2),
        total_s=round(upload_s + preview_s + confirm_s, 2),
    )
    with app.app_context():
        counted = {
            "users": db.session.scalar(db.select(db.func.count()).select_from(User)),
            "enrolments": db.session.scalar(db.select(db.func.count()).select_from(Enrolment)),
        }
    again_s, again = timed(upload)
    again_page = preview(again)
    confirm(again)
    with app.app_context():
        same = counted == {
            "users": db.session.scalar(db.select(db.func.count()).select_from(User)),
            "enrolments": db.session.scalar(db.select(db.func.count()).select_from(Enrolment)),
        }
    result["reimport_changes_nothing"] = same and "There is nothing to import." in again_page
    result.update(counted)

    # Progress for the dashboard: each learner has done some lessons of the first course.
    with app.app_context():
        course = catalogue().courses[next(iter(COURSES))]
        rng = random.Random(7)
        ids = db.session.scalars(db.select(User.id).where(User.organisation_id == organisation_id))
        now = now_utc()
        done = [
            {"user_id": user_id, "course_slug": course.slug, "lesson_slug": lesson.slug,
             "course_version": course.version, "completed_at": now}
            for user_id in ids
            for lesson in course.lessons[: rng.randint(0, len(course.lessons))]
        ]  # fmt: skip
        for start in range(0, len(done), 5000):
            db.session.execute(insert(LessonCompletion), done[start : start + 5000])
        db.session.commit()
        result["lesson_completions"] = len(done)
        if kind == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()

    def dashboard():
        response = client.get("/admin/")
        assert response.status_code == 200
        response.get_data()

    dashboard()
    times = [timed(dashboard)[0] for _ in range(7)]
    result["dashboard_ms"] = round(statistics.median(times) * 1000, 1)
    with app.app_context():
        connection = db.engine.raw_connection()

        def raw_sql(*queries):
            def run_them():
                cursor = connection.cursor()
                for query in queries:
                    cursor.execute(query.format(organisation=organisation_id))
                    cursor.fetchall()

            run_them()
            return statistics.median(timed(run_them)[0] for _ in range(7)) * 1000

        counts = raw_sql(RAW_AGGREGATE)
        every_figure = raw_sql(RAW_AGGREGATE, RAW_LEARNERS, RAW_COHORTS)
        connection.close()
        db.engine.dispose()
    result["raw_sql_ms"] = round(counts, 1)
    result["ratio"] = round(result["dashboard_ms"] / counts, 2)
    result["raw_sql_all_ms"] = round(every_figure, 1)
    result["ratio_all"] = round(result["dashboard_ms"] / every_figure, 2)
    return result


def report(kind: str, result: dict) -> None:
    print(
        f"[{kind}] import of {result['rows']:,} rows: {result['total_s']:.1f} s "
        f"(upload {result['upload_s']:.1f} s, preview {result['preview_s']:.1f} s, "
        f"confirm {result['confirm_s']:.1f} s; goal < 60 s); "
        f"re-import changes nothing: {result['reimport_changes_nothing']}",
        flush=True,
    )
    print(
        f"[{kind}] partner-scoped dashboard at {result['users'] - 1:,} learners "
        f"({result['enrolments']:,} enrolments, {result['lesson_completions']:,} lessons done): "
        f"{result['dashboard_ms']:.0f} ms vs raw SQL of its figures (counts, learners, cohorts)"
        f" {result['raw_sql_all_ms']:.1f} ms = {result['ratio_all']:.1f}x (goal <= 3x);"
        f" vs the counts aggregate alone {result['raw_sql_ms']:.1f} ms = {result['ratio']:.1f}x",
        flush=True,
    )


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        work = Path(folder)
        (work / "sqlite").mkdir()
        results["sqlite"] = run(
            "sqlite", f"sqlite:///{work / 'sqlite' / 'bench.db'}", args.rows, work / "sqlite"
        )
        report("sqlite", results["sqlite"])
        if not args.no_pg:
            try:
                import psycopg

                admin_url = PG_URL.replace("postgresql+psycopg", "postgresql")
                with psycopg.connect(admin_url, autocommit=True) as connection:
                    connection.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                    connection.execute(f"CREATE DATABASE {PG_DB}")
            except Exception as error:  # noqa: BLE001 - no server: say so, keep SQLite's
                print(f"[postgresql] skipped: {error}", flush=True)
            else:
                (work / "pg").mkdir()
                url = PG_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
                try:
                    results["postgresql"] = run("postgresql", url, args.rows, work / "pg")
                    report("postgresql", results["postgresql"])
                finally:
                    with psycopg.connect(admin_url, autocommit=True) as connection:
                        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
