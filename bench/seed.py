"""Seed a migrated LearnApp database for the benchmarks (bulk inserts, in-process).

1,000 learners enrolled in `bench-course` with 0–20 of lessons 1–29 done (lesson 30 never,
so the course never completes and no certificate is rendered by the web traffic), and the
first CERT_LEARNERS of them with a completed `bench-certificate` course and a real issued
certificate. Passwords use a cheap Argon2 hash so that logging hundreds in is quick; the
app verifies with the parameters stored in the hash, so the login path is the real one.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bench.content import CERT_COURSE, COURSE, LESSONS, lesson_slug  # noqa: E402

LEARNERS = 1000
CERT_LEARNERS = 16
PASSWORD = "bench learner password"


def email(number: int) -> str:
    return f"learner{number:05d}@bench.example.org"


def seed(app) -> None:
    """Fill the app's (empty, migrated) database; call inside an app context."""
    from learnapp.catalogue import catalogue
    from learnapp.certificates.service import IssueSettings, issue_certificate
    from learnapp.extensions import db
    from learnapp.models import Enrolment, LessonCompletion, User, now_utc

    rng = random.Random(7)
    now = now_utc()
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    db.session.execute(
        insert(User),
        [
            dict(
                email=email(n),
                name=f"Learner {n}",
                password_hash=cheap,
                role="learner",
                language="en",
                active=True,
                created_at=now,
            )
            for n in range(1, LEARNERS + 1)
        ],
    )
    ids = {
        row.email: row.id
        for row in db.session.execute(text('SELECT id, email FROM "user"')).mappings()
    }
    courses = catalogue().courses
    version = courses[COURSE].version
    enrolments, completions = [], []
    for n in range(1, LEARNERS + 1):
        user_id = ids[email(n)]
        enrolments.append(
            dict(user_id=user_id, course_slug=COURSE, enrolled_at=now - dt.timedelta(days=30))
        )
        for lesson in rng.sample(range(1, LESSONS), rng.randint(0, 20)):
            completions.append(
                dict(
                    user_id=user_id,
                    course_slug=COURSE,
                    lesson_slug=lesson_slug(lesson),
                    course_version=version,
                    completed_at=now - dt.timedelta(days=rng.randint(1, 29)),
                )
            )
    cert_course = courses[CERT_COURSE]
    for n in range(1, CERT_LEARNERS + 1):
        user_id = ids[email(n)]
        enrolments.append(
            dict(
                user_id=user_id,
                course_slug=CERT_COURSE,
                enrolled_at=now - dt.timedelta(days=3),
                completed_at=now - dt.timedelta(days=1),
                completed_version=cert_course.version,
            )
        )
        for lesson in cert_course.lessons:
            completions.append(
                dict(
                    user_id=user_id,
                    course_slug=CERT_COURSE,
                    lesson_slug=lesson.slug,
                    course_version=cert_course.version,
                    completed_at=now - dt.timedelta(days=1),
                )
            )
    db.session.execute(insert(Enrolment), enrolments)
    db.session.execute(insert(LessonCompletion), completions)
    db.session.commit()
    for n in range(1, CERT_LEARNERS + 1):
        user = db.session.get(User, ids[email(n)])
        enrolled = db.session.scalar(
            db.select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_slug == CERT_COURSE
            )
        )
        issue_certificate(user, cert_course, enrolled, IssueSettings.from_config(app.config))
    db.session.commit()
