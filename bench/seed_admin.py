"""Seed a database for the admin benchmark: 10,000 learners, 3 organisations, 2 courses.

    .venv/bin/python bench/seed_admin.py sqlite:////tmp/admin-bench/bench.db \
        --content /tmp/admin-bench/content

writes two generated courses (13 lessons each; 3 quizzes in all) into --content, migrates
the database and fills it with bulk inserts (executemany through SQLAlchemy Core):
about 20,000 enrolments, 200,000 lesson completions, 30,000 quiz attempts and the
certificates of those who completed. Prints what it wrote and how long it took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN_EMAIL = "admin@bench.example.org"
ADMIN_PASSWORD = "bench admin password"
ORGANISATIONS = (
    ("Ministry of Education", "ministry", "Palestine"),
    ("Birzeit University", "university", "Palestine"),
    ("Barrier Monitoring Unit", "ngo", "Switzerland"),
)
COURSES = {
    "bench-origins": ("Bench: Origins", 13, {"check": "06", "final": None}),
    "bench-methodology": ("Bench: Methodology", 13, {"final": None}),
}
BATCH = 20_000


def bench_app(database_url: str, content: Path, **extra):
    """The app the admin benches seed and measure: its migrations bound, no rate limits, the
    content (write_content's folder) read once."""
    from learnapp import create_app, init_migrations

    return init_migrations(
        create_app(
            {
                "DATABASE_URL": database_url,
                "COURSES_DIR": str(content / "courses"),
                "QUIZZES_DIR": str(content / "quizzes"),
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "CONTENT_RELOAD_SECONDS": 3600.0,
                **extra,
            }
        )
    )


def write_content(root: Path) -> tuple[Path, Path]:
    """Two courses with 13 lessons each and their quizzes, as trainers would write them."""
    courses_dir, quizzes_dir = root / "courses", root / "quizzes"
    for number, (slug, (title, lessons, quizzes)) in enumerate(COURSES.items(), start=1):
        folder = courses_dir / f"{number:02d}-{slug}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "course.md").write_text(
            f'---\ntitle: "{title}"\nsummary: Generated for the admin benchmark.\n'
            "status: published\npass_mark: 60\nestimated_minutes: 60\n---\nBench course.\n"
        )
        for lesson in range(1, lessons + 1):
            (folder / f"{lesson:02d}-lesson-{lesson:02d}.md").write_text(
                f"# Lesson {lesson}\n\nSome text for lesson {lesson}.\n"
            )
        quiz_folder = quizzes_dir / slug
        quiz_folder.mkdir(parents=True, exist_ok=True)
        for position, (quiz, after) in enumerate(quizzes.items(), start=1):
            placed = f"after: lesson-{after}\n" if after else ""
            (quiz_folder / f"{position:02d}-{quiz}.md").write_text(
                f"---\ntitle: {quiz.title()} quiz\n{placed}pass_mark: 60\n---\n\n"
                "## In which city is the NGO based?\n- ( ) Paris\n- (x) Geneva\n"
                "- ( ) Vienna\n- ( ) Amman\n\n"
                "## Which kinds of partner take part? Select all that apply.\n"
                "- [x] Ministries\n- [x] Universities\n- [ ] Banks\n\n"
                "## How many communities did the research cover?\n= 171\n\n"
                "## What does PAR stand for?\n= Participative Action Research\n\n"
                "## When was the NGO founded?\n- ( ) 2009\n- (x) 2014\n- ( ) 2017\n"
            )
    return courses_dir, quizzes_dir


def _wrong_short(rng: random.Random, question) -> str:
    if "communities" in question.text:
        return rng.choice(["170", "17", "one hundred", "1710"])
    return rng.choice(["Participatory Research", "Participatve Action Research", "no idea"])


def _attempt(rng, course, quiz, skill: float) -> tuple[list, dict, dict, int]:
    """A plausible attempt: layout, answers, results and points for a learner's skill."""
    layout, answers, results = [], {}, {}
    for question in quiz.questions:
        layout.append([question.key, [option.key for option in question.options]])
        right = rng.random() < skill
        if question.kind == "short":
            if right:
                answer = question.accepted[0].text or str(question.accepted[0].number)
            else:
                answer = _wrong_short(rng, question)
        elif right:
            answer = sorted(question.correct_keys)
        else:
            wrong = [o.key for o in question.options if not o.correct]
            answer = [rng.choice(wrong)] if question.kind == "single" else [wrong[0]]
        answers[question.key] = answer
        results[question.key] = right
    return layout, answers, results, sum(results.values())


def seed(database_url: str, content: Path, learners: int, seed_value: int = 7) -> dict:
    """Migrate the database and fill it; returns the row counts."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from learnapp.auth.service import hash_password
    from learnapp.catalogue import catalogue
    from learnapp.extensions import db
    from learnapp.models import (
        Certificate,
        Enrolment,
        LessonCompletion,
        Organisation,
        QuizAttempt,
        User,
    )

    write_content(content)
    app = bench_app(database_url, content)
    rng = random.Random(seed_value)
    counts: dict[str, int] = {}
    with app.app_context():
        upgrade()
        courses = catalogue().courses
        assert set(courses) == set(COURSES), catalogue().problems
        connection = db.session.connection()

        def insert_all(model, rows: list[dict]) -> None:
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(model), rows[start : start + BATCH])
            counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)

        now = dt.datetime.now(dt.UTC)
        insert_all(
            Organisation,
            [dict(name=n, kind=k, country=c, created_at=now) for n, k, c in ORGANISATIONS],
        )
        org_ids = list(db.session.scalars(db.select(Organisation.id).order_by(Organisation.id)))
        password_hash = hash_password("bench learner password")  # one hash: argon2 is slow
        users = [
            dict(
                email=f"learner{i:05d}@bench.example.org",
                name=f"Learner {i:05d} " + rng.choice(["Haddad", "Khalil", "Nasser", "Odeh"]),
                password_hash=password_hash,
                role="learner",
                organisation_id=org_ids[i % len(org_ids)] if i % 50 else None,
                language=rng.choice(["en", "fr", "ar"]),
                active=True,
                created_at=now - dt.timedelta(days=400),
            )
            for i in range(learners)
        ]
        users.append(
            dict(
                email=ADMIN_EMAIL,
                name="Bench Admin",
                password_hash=hash_password(ADMIN_PASSWORD),
                role="admin",
                organisation_id=None,
                language="en",
                active=True,
                created_at=now,
            )
        )
        insert_all(User, users)
        user_ids = list(
            db.session.scalars(db.select(User.id).where(User.role == "learner").order_by(User.id))
        )

        enrolments, completions, attempts, certificates = [], [], [], []
        for user_id in user_ids:
            for course in courses.values():
                if rng.random() < 0.03:
                    continue  # a few learners skip a course
                enrolled_at = now - dt.timedelta(days=rng.uniform(5, 365))
                skill = rng.uniform(0.2, 1.0)
                steps = course.items()
                # How far this learner got: most are far along, some never started.
                reach = rng.triangular(-1, len(steps) + 6, len(steps) + 4)
                target = max(0, min(len(steps), int(reach)))
                done_at = enrolled_at
                completed_at = None
                for step in steps[:target]:
                    done_at += dt.timedelta(hours=rng.uniform(1, 60))
                    if step in course.lessons:
                        completions.append(
                            dict(
                                user_id=user_id,
                                course_slug=course.slug,
                                lesson_slug=step.slug,
                                course_version=course.version,
                                completed_at=done_at,
                            )
                        )
                        continue
                    number, passed = 0, False
                    while not passed and number < 5:
                        number += 1
                        layout, answers, results, points = _attempt(rng, course, step, skill)
                        percent = 100 * points // len(layout)
                        passed = percent >= step.pass_mark
                        attempts.append(
                            dict(
                                user_id=user_id,
                                course_slug=course.slug,
                                quiz_slug=step.slug,
                                number=number,
                                token=f"bench-{user_id}-{course.slug}-{step.slug}-{number}",
                                course_version=course.version,
                                layout=layout,
                                answers=answers,
                                results=results,
                                points=points,
                                total=len(layout),
                                percent=percent,
                                pass_mark=step.pass_mark,
                                passed=passed,
                                submitted_at=done_at,
                            )
                        )
                    if not passed:
                        break
                else:
                    if target == len(steps):
                        completed_at = done_at
                if rng.random() < 0.02:  # progress on a lesson the trainers have since removed
                    completions.append(
                        dict(
                            user_id=user_id,
                            course_slug=course.slug,
                            lesson_slug="retired-lesson",
                            course_version="old",
                            completed_at=enrolled_at,
                        )
                    )
                enrolments.append(
                    dict(
                        user_id=user_id,
                        course_slug=course.slug,
                        enrolled_at=enrolled_at,
                        last_lesson_slug=None,
                        completed_at=completed_at,
                        completed_version=course.version if completed_at else None,
                    )
                )
                if completed_at:
                    code = (
                        "LA-"
                        + hashlib.sha256(f"{user_id}{course.slug}".encode())
                        .hexdigest()[:20]
                        .upper()
                    )
                    pdf = b"%PDF-1.4 bench certificate " + code.encode()
                    certificates.append(
                        dict(
                            code=code,
                            user_id=user_id,
                            course_slug=course.slug,
                            name=f"Learner {user_id}",
                            course_title=course.title,
                            course_version=course.version,
                            completed_on=completed_at.date(),
                            duration_minutes=course.estimated_minutes,
                            issued_at=completed_at,
                            pdf=pdf,
                            sha256=hashlib.sha256(pdf).hexdigest(),
                            revoked_at=completed_at if rng.random() < 0.01 else None,
                            revoked_reason="",
                            holder_withdrawn=False,
                        )
                    )
        insert_all(Enrolment, enrolments)
        insert_all(LessonCompletion, completions)
        insert_all(QuizAttempt, attempts)
        insert_all(Certificate, certificates)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as raw:
                raw.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="e.g. sqlite:////tmp/admin-bench/bench.db")
    parser.add_argument("--content", type=Path, default=Path("/tmp/admin-bench/content"))
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = seed(args.database_url, args.content, args.learners)
    elapsed = time.perf_counter() - started
    for table, count in counts.items():
        print(f"{table:<20} {count:>9,}")
    print(f"seeded in {elapsed:.1f} s; content in {args.content}")


if __name__ == "__main__":
    main()
