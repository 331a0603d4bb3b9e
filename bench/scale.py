"""Scale (issue 18, target 10): the admin pages at 100,000 learners and 2 million lesson
completions on PostgreSQL, each against its raw SQL yardstick, with EXPLAIN ANALYZE plans.

    .venv/bin/python bench/scale.py [--learners 100000] [--keep] [--reuse]

Creates the scratch database `learnapp_scale` (from BENCH_PG_URL, the maintenance database),
migrates it with the app's Alembic migrations and seeds it in SQL — generate_series and
INSERT … SELECT, no ORM — in about a minute: 20 organisations, LEARNERS learners each
enrolled in the two courses of bench/seed_admin.py (13 lessons; 3 quizzes), 10 lessons
done per enrolment on average (0 to 13: exactly 2 million for 100,000 learners), a quiz
attempt at each quiz reached, the certificates of those who finished, and one cohort per
organisation (every member, one course due 30 days ago and one in 30 days).

Then, through the Flask test client as an administrator, times the dashboard, the learner
list (page 1), one learner's page and the completions CSV (read to its end), each against
a raw SQL yardstick that reads the same figures through DB-API in the same run, and quotes
the EXPLAIN (ANALYZE, BUFFERS) plan of each page's slowest statement. Prints a report and,
last, one JSON line (bench/run.py reads it). Drops the database at the end unless --keep;
--reuse times an existing `learnapp_scale` without seeding it again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import RAW_AGGREGATE  # noqa: E402
from bench.seed_admin import ADMIN_EMAIL, ADMIN_PASSWORD, write_content  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_SCALE_DB", "learnapp_scale")  # another name: a second run beside it
ORGANISATIONS = 20
# Lessons done by an enrolment: the 10 values are dealt out evenly over each block of 10
# enrolment ids, so their mean (10) holds exactly: 100,000 learners x 2 x 10 = 2,000,000.
LESSONS_DONE = "(ARRAY[0, 8, 10, 11, 13, 13, 13, 13, 8, 11])[1 + mod(e.id + e.id / 10, 10)]"

SEED = [
    (
        "organisations",
        """INSERT INTO organisation (name, kind, country, created_at, pending)
        SELECT 'Partner ' || lpad(i::text, 2, '0'), 'ministry', 'Palestine', now(), false
        FROM generate_series(1, %(organisations)s) AS i""",
    ),
    (
        "learners",
        """INSERT INTO "user" (email, name, password_hash, role, organisation_id, language,
                              active, created_at, reminders_off)
        SELECT 'learner' || lpad(i::text, 6, '0') || '@scale.example.org',
               (ARRAY['Amina', 'Karim', 'Hélène', 'Nour', 'Zoé'])[1 + i %% 5] || ' '
                   || (ARRAY['Haddad', 'Khalil', 'Nasser', 'Odeh', 'Dupont'])[1 + i / 5 %% 5]
                   || ' ' || lpad(i::text, 6, '0'),
               'not a usable hash', 'learner',
               CASE WHEN i %% 50 = 0 THEN NULL
                    ELSE (SELECT min(id) FROM organisation) + i %% %(organisations)s END,
               (ARRAY['en', 'fr', 'ar'])[1 + i %% 3], true, now() - interval '400 days', false
        FROM generate_series(1, %(learners)s) AS i""",
    ),
    (
        "enrolments",
        """INSERT INTO enrolment (user_id, course_slug, enrolled_at)
        SELECT u.id, c.slug, now() - ((u.id * 37 + c.n * 11) %% 360 + 5) * interval '1 day'
        FROM "user" AS u
        CROSS JOIN (VALUES (0, 'bench-origins'), (1, 'bench-methodology')) AS c (n, slug)
        WHERE u.role = 'learner'
        ORDER BY u.id, c.n""",
    ),
    (
        "lesson completions",
        f"""INSERT INTO lesson_completion (user_id, course_slug, lesson_slug, course_version,
                                          completed_at)
        SELECT e.user_id, e.course_slug, 'lesson-' || lpad(l::text, 2, '0'), 'scale',
               e.enrolled_at + l * interval '1 day'
        FROM enrolment AS e CROSS JOIN LATERAL generate_series(1, {LESSONS_DONE}) AS l""",
    ),
    (
        "quiz attempts",
        # The check quiz (after lesson 6 of bench-origins) is passed by half of those who
        # reach it and by all who finished; every final quiz reached is passed.
        f"""INSERT INTO quiz_attempt (user_id, course_slug, quiz_slug, number, token,
                                     course_version, layout, answers, results, points, total,
                                     percent, pass_mark, passed, submitted_at)
        SELECT e.user_id, e.course_slug, q.slug, 1, 'scale-' || e.id || '-' || q.slug, 'scale',
               '[]', '{{}}', '{{}}', p.percent / 20, 5, p.percent, 60, p.percent >= 60,
               e.enrolled_at + interval '20 days'
        FROM enrolment AS e
        CROSS JOIN LATERAL (SELECT {LESSONS_DONE} AS done) AS d
        JOIN (VALUES ('bench-origins', 'check', 6), ('bench-origins', 'final', 13),
                     ('bench-methodology', 'final', 13)) AS q (course, slug, after)
          ON q.course = e.course_slug AND d.done >= q.after
        CROSS JOIN LATERAL (SELECT CASE WHEN d.done = 13 THEN 60 + e.id %% 41
                                        ELSE 20 * (e.id %% 6) END AS percent) AS p""",
    ),
    (
        "completed enrolments",
        f"""UPDATE enrolment AS e
        SET completed_at = e.enrolled_at + interval '21 days', completed_version = 'scale'
        WHERE {LESSONS_DONE} = 13""",
    ),
    (
        "certificates",
        """INSERT INTO certificate (code, user_id, course_slug, name, course_title, language,
                                   course_version, completed_on, duration_minutes, issued_at,
                                   pdf, sha256, revoked_at, revoked_reason, holder_withdrawn)
        SELECT 'LA-' || upper(substr(md5(e.id::text), 1, 20)), e.user_id, e.course_slug, u.name,
               e.course_slug, 'en', 'scale', e.completed_at::date, 60, e.completed_at,
               convert_to('%%PDF-1.4 scale ' || e.id, 'UTF8'),
               encode(sha256(convert_to('%%PDF-1.4 scale ' || e.id, 'UTF8')), 'hex'),
               NULL, '', false
        FROM enrolment AS e JOIN "user" AS u ON u.id = e.user_id
        WHERE e.completed_at IS NOT NULL""",
    ),
    (
        "cohorts",
        """INSERT INTO cohort (name, organisation_id, created_at)
        SELECT name || ' cohort', id, now() FROM organisation;
        INSERT INTO cohort_course (cohort_id, course_slug, due_on)
        SELECT id, 'bench-origins', current_date - 30 FROM cohort
        UNION ALL SELECT id, 'bench-methodology', current_date + 30 FROM cohort;
        INSERT INTO cohort_member (cohort_id, user_id, added_at)
        SELECT c.id, u.id, now() FROM "user" AS u JOIN cohort AS c
          ON c.organisation_id = u.organisation_id""",
    ),
]

# The yardsticks: what each page shows, read in raw SQL through DB-API, as directly as
# PostgreSQL allows (grouped aggregates for the whole population, correlated subqueries
# on the indexes for a handful of learners).
PROGRESS_OF = """
SELECT e.user_id, e.course_slug, e.enrolled_at, e.completed_at, c.code,
       (SELECT count(*) FROM lesson_completion AS l
        WHERE l.user_id = e.user_id AND l.course_slug = e.course_slug) AS lessons,
       (SELECT avg(best) FROM (SELECT max(percent) AS best FROM quiz_attempt AS q
         WHERE q.user_id = e.user_id AND q.course_slug = e.course_slug
         GROUP BY q.quiz_slug) AS b) AS best
FROM enrolment AS e
LEFT JOIN certificate AS c
       ON c.user_id = e.user_id AND c.course_slug = e.course_slug AND c.revoked_at IS NULL
WHERE e.user_id = ANY(%s)
ORDER BY e.enrolled_at
"""
# The organisations and cohorts to filter on, and to assign an account to, are shown too.
ORGANISATION_CHOICES = "SELECT id, name FROM organisation ORDER BY name"
LEARNER_LIST = [
    'SELECT count(*) FROM "user"',
    """SELECT u.id, u.name, u.email, u.role, u.active, u.created_at, o.name FROM "user" AS u
       LEFT JOIN organisation AS o ON o.id = u.organisation_id
       ORDER BY lower(u.name), u.id LIMIT 50""",
    ORGANISATION_CHOICES,
    "SELECT id, name FROM cohort ORDER BY name",
]
ONE_LEARNER = [
    'SELECT u.*, o.name FROM "user" AS u LEFT JOIN organisation AS o '
    "ON o.id = u.organisation_id WHERE u.id = %s",
    "SELECT * FROM lesson_completion WHERE user_id = %s ORDER BY completed_at",
    "SELECT * FROM quiz_attempt WHERE user_id = %s ORDER BY course_slug, quiz_slug, number",
    "SELECT id, code, course_slug, issued_at, revoked_at FROM certificate WHERE user_id = %s",
    ORGANISATION_CHOICES,
    "SELECT organisation_id FROM organisation_manager WHERE user_id = %s",
    """SELECT * FROM audit_event WHERE target = 'user:' || %(id)s
         OR target IN (SELECT code FROM certificate WHERE user_id = %(id)s)
       ORDER BY created_at DESC, id DESC LIMIT 100""",
    "SELECT max(created_at) FROM user_session WHERE user_id = %s",
]
COMPLETIONS = """
SELECT u.email, u.name, o.name, e.course_slug, e.enrolled_at, p.done, b.best, e.completed_at,
       c.code, m.name, m.due_on
FROM enrolment AS e
JOIN "user" AS u ON u.id = e.user_id
LEFT JOIN organisation AS o ON o.id = u.organisation_id
LEFT JOIN (SELECT user_id, course_slug, count(*) AS done FROM lesson_completion
           GROUP BY user_id, course_slug) AS p
       ON p.user_id = e.user_id AND p.course_slug = e.course_slug
LEFT JOIN (SELECT user_id, course_slug, avg(best) AS best
           FROM (SELECT user_id, course_slug, max(percent) AS best FROM quiz_attempt
                 GROUP BY user_id, course_slug, quiz_slug) AS q
           GROUP BY user_id, course_slug) AS b
       ON b.user_id = e.user_id AND b.course_slug = e.course_slug
LEFT JOIN certificate AS c
       ON c.user_id = e.user_id AND c.course_slug = e.course_slug AND c.revoked_at IS NULL
LEFT JOIN (SELECT cm.user_id, cc.course_slug, ch.name, cc.due_on
           FROM cohort_member AS cm JOIN cohort_course AS cc ON cc.cohort_id = cm.cohort_id
           JOIN cohort AS ch ON ch.id = cm.cohort_id) AS m
       ON m.user_id = e.user_id AND m.course_slug = e.course_slug
ORDER BY e.course_slug, o.name, u.name, u.email
"""


def say(*parts) -> None:
    print(*parts, flush=True)


def dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def maintenance(sql: str) -> None:
    import psycopg

    with psycopg.connect(dsn(PG_URL), autocommit=True) as connection:
        connection.execute(sql)


def seed(database_url: str, content: Path, learners: int) -> dict:
    """Migrate and fill the database in SQL; the seconds of each step and the row counts."""
    import psycopg

    from learnapp.auth.service import hash_password

    migrate(database_url, content)
    timings = {}
    params = {"learners": learners, "organisations": ORGANISATIONS}
    with psycopg.connect(dsn(database_url), autocommit=True) as connection:
        for name, sql in SEED:
            began = time.perf_counter()
            for statement in sql.split(";\n"):
                connection.execute(statement, params)
            timings[name] = round(time.perf_counter() - began, 1)
            say(f"  seeded {name} in {timings[name]} s")
        connection.execute(
            'INSERT INTO "user" (email, name, password_hash, role, language, active, created_at,'
            " reminders_off) VALUES (%s, 'Scale Admin', %s, 'admin', 'en', true, now(), false)",
            (ADMIN_EMAIL, hash_password(ADMIN_PASSWORD)),
        )
        began = time.perf_counter()
        connection.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = round(time.perf_counter() - began, 1)
    return {"seconds": timings, "rows": row_counts(database_url)}


def migrate(database_url: str, content: Path) -> None:
    """The app's Alembic migrations to their head (the indexes included)."""
    from flask_migrate import upgrade

    from learnapp import create_app, init_migrations

    with init_migrations(create_app(app_config(database_url, content))).app_context():
        upgrade()


def row_counts(database_url: str) -> dict:
    import psycopg

    tables = ("user", "enrolment", "lesson_completion", "quiz_attempt", "certificate")
    with psycopg.connect(dsn(database_url)) as connection:
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables + ("cohort_member",)
        }


def app_config(database_url: str, content: Path) -> dict:
    return {
        "DATABASE_URL": database_url,
        "COURSES_DIR": str(content / "courses"),
        "QUIZZES_DIR": str(content / "quizzes"),
        "SECRET_KEY": "bench-scale",
        "RATELIMIT_ENABLED": False,
        "CONTENT_RELOAD_SECONDS": 3600.0,
    }


@contextmanager
def recorded(engine):
    """Every statement run inside, with its parameters and seconds to execute."""
    from sqlalchemy import event

    found, began = [], {}

    def before(conn, cursor, statement, parameters, context, many):
        began[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, many):
        found.append((time.perf_counter() - began.pop(id(cursor)), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def interleaved_ms(calls, repeat: int) -> list[tuple[float, float, float]]:
    """Median, best and worst milliseconds of each call, run in turn `repeat` times (after
    one warm-up each), so that a busy machine slows them alike."""
    for call in calls:
        call()
    times = [[] for _call in calls]
    for _ in range(repeat):
        for call, found in zip(calls, times, strict=True):
            began = time.perf_counter()
            call()
            found.append((time.perf_counter() - began) * 1000)
    return [(statistics.median(found), min(found), max(found)) for found in times]


def measure(database_url: str, content: Path, repeat: int) -> dict:
    """The four pages, each in turn with its yardstick, and their slowest statements' plans."""
    import psycopg

    from learnapp import create_app
    from learnapp.extensions import db

    app = create_app(app_config(database_url, content))
    client = app.test_client()
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, "could not log in as the scale admin"
    raw = psycopg.connect(dsn(database_url))
    learner = raw.execute(
        "SELECT min(user_id) FROM certificate WHERE course_slug = 'bench-origins'"
    ).fetchone()[0]
    first_page = [row[0] for row in raw.execute(LEARNER_LIST[1]).fetchall()]

    def get(url: str):
        def call() -> None:
            response = client.get(url)
            body = response.get_data()  # reads a streamed body to its end
            assert response.status_code == 200, (url, response.status_code, body[:300])

        return call

    def sql(*statements: tuple[str, tuple]):
        def call() -> None:
            for statement, args in statements:
                raw.execute(statement, args).fetchall()

        return call

    pages = {
        "dashboard": ("/admin/", sql((RAW_AGGREGATE, ()))),
        "learner list": (
            "/admin/learners",
            sql(*((s, ()) for s in LEARNER_LIST), (PROGRESS_OF, (first_page,))),
        ),
        "one learner": (
            f"/admin/learners/{learner}",
            sql(*((s, args_of(s, learner)) for s in ONE_LEARNER), (PROGRESS_OF, ([learner],))),
        ),
        "completions CSV": ("/admin/reports/completions.csv", sql((COMPLETIONS, ()))),
    }
    result = {}
    for name, (url, yardstick) in pages.items():
        times = 2 if name == "completions CSV" else repeat
        page_ms, sql_ms = interleaved_ms([get(url), yardstick], times)
        with app.app_context(), recorded(db.engine) as statements:
            get(url)()
        slowest = max(statements, key=lambda found: found[0])
        result[name] = {
            "url": url,
            "page_ms": round(page_ms[0], 1),
            "page_range": [round(page_ms[1], 1), round(page_ms[2], 1)],
            "sql_ms": round(sql_ms[0], 1),
            "sql_range": [round(sql_ms[1], 1), round(sql_ms[2], 1)],
            "ratio": round(page_ms[0] / sql_ms[0], 2),
            "statements": len(statements),
            "statements_ms": round(sum(found[0] for found in statements) * 1000, 1),
            "plan": explain(raw, slowest[1], slowest[2]),
        }
        say(
            f"  {name}: {result[name]['page_ms']} ms vs raw SQL {result[name]['sql_ms']} ms = "
            f"{result[name]['ratio']}x ({len(statements)} statements, "
            f"{result[name]['statements_ms']} ms in the database)"
        )
    raw.close()
    return result


def args_of(statement: str, learner: int):
    """The parameters of a ONE_LEARNER statement: none, the learner's id, or it named."""
    if "%(id)s" in statement:
        return {"id": learner}
    return (learner,) if "%s" in statement else ()


def explain(connection, statement: str, parameters) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as psycopg was given it."""
    rows = connection.execute(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters or None
    ).fetchall()
    return "\n".join(row[0] for row in rows)


def report(result: dict) -> str:
    lines = [
        f"seeded: {', '.join(f'{k} {v:,}' for k, v in result['rows'].items())}"
        + (f"; in {sum(result['seed_s'].values()):.0f} s" if result.get("seed_s") else ""),
        "",
        f"{'page':<18}{'page ms':>10}{'raw SQL ms':>12}{'ratio':>8}  (goal <= 3x)",
    ]
    for name, page in result["pages"].items():
        lines.append(
            f"{name:<18}{page['page_ms']:>10.1f}{page['sql_ms']:>12.1f}{page['ratio']:>7.2f}x"
        )
    return "\n".join(lines)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time an existing database")
    args = parser.parse_args()
    database_url = PG_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
    result: dict = {"learners": args.learners}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as folder:
        content = Path(folder)
        write_content(content)
        try:
            if not args.reuse:
                maintenance(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                maintenance(f"CREATE DATABASE {PG_DB}")
                seeded = seed(database_url, content, args.learners)
                result["seed_s"] = seeded["seconds"]
            else:
                migrate(database_url, content)
            result["rows"] = row_counts(database_url)
            result["pages"] = measure(database_url, content, args.repeat)
        finally:
            if not args.keep:
                maintenance(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    say(report(result))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
