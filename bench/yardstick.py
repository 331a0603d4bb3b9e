"""Bare Flask yardsticks, served by gunicorn next to the app (not the product).

Routes (after /work/shared/reference/perf/webapp.py):
  /bare      (a) a bare Flask route: "ok", no template, no database (the fixed cost's yardstick)
  /bytes     (b) a bytes object of YS_BYTES bytes (the size of a stored certificate PDF)
  /template  (c) a cached Jinja2 template looping over 30 items, padded to YS_PAGE_BYTES
             (the size of the app's lesson page)
  /progress  (d) (c) + one read (lesson joined with the user's progress row) + one upsert
             and commit, through SQLAlchemy Core on YS_DATABASE_URL
  /write     the upsert and commit only

Environment: YS_DATABASE_URL, YS_PAGE_BYTES, YS_BYTES. SQLite connections get the app's
pragmas (WAL, busy_timeout, synchronous=NORMAL).

    python bench/yardstick.py init     create and fill the two tables, print the page size
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time

from flask import Flask, Response, render_template
from jinja2 import DictLoader
from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

DATABASE_URL = os.environ.get("YS_DATABASE_URL", "sqlite:///bench/out/yardstick.db")
PAGE_BYTES = int(os.environ.get("YS_PAGE_BYTES", "20000"))
BYTES = int(os.environ.get("YS_BYTES", "22000"))
USERS, LESSONS = 1000, 50

ITEMS = [
    {
        "id": i,
        "title": f"Lesson {i}: Working with communities, part {i}",
        "minutes": 5 + i % 25,
        "done": i % 3 == 0,
        "summary": "Plan, run and report a needs assessment with the partners of a project.",
    }
    for i in range(1, 31)
]

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ course }} - {{ lesson.title }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header class="site-header"><nav><a href="/">Home</a> <a href="/courses">Courses</a>
<a href="/me">My progress</a></nav></header>
<main class="lesson"><h1>{{ lesson.title }}</h1>
<p class="progress">Your progress: {{ progress }}%</p>
<ol class="syllabus">
{% for item in items %}<li class="item{% if item.done %} done{% endif %}" id="l{{ item.id }}">
  <a href="/course/bench/lesson/{{ item.id }}">{{ item.title }}</a>
  <span class="minutes">{{ item.minutes }} min</span>
  <p class="summary">{{ item.summary }}</p>
  <p class="meta">Status: {% if item.done %}completed{% else %}not started{% endif %}</p>
</li>
{% endfor %}</ol>
<article>{{ body }}</article></main>
<footer>&copy; Example Learning</footer></body></html>"""

meta = MetaData()
lessons = Table(
    "ys_lesson",
    meta,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
)
progress = Table(
    "ys_progress",
    meta,
    Column("user_id", Integer, primary_key=True),
    Column("lesson_id", Integer, ForeignKey("ys_lesson.id"), primary_key=True),
    Column("percent", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

engine = create_engine(DATABASE_URL)
insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


@event.listens_for(engine, "connect")
def _pragmas(connection, _record) -> None:
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


app = Flask(__name__)
app.jinja_env.loader = DictLoader({"lesson.html": TEMPLATE})
BLOB = bytes(random.Random(1).getrandbits(8) for _ in range(BYTES))


def _context(body: str, title: str = "Lesson 7", percent: int = 42) -> dict:
    return {
        "course": "Bench course",
        "lesson": {"title": title},
        "progress": percent,
        "items": ITEMS,
        "body": body,
    }


def _padding() -> str:
    """Body text that makes the rendered page PAGE_BYTES long."""
    with app.app_context():
        empty = len(render_template("lesson.html", **_context("")).encode())
    unit = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. "
    missing = max(PAGE_BYTES - empty, 0)
    return (unit * (missing // len(unit) + 1))[:missing]


PADDING = _padding()


def upsert(connection, user_id: int, lesson_id: int) -> None:
    stmt = insert(progress).values(
        user_id=user_id, lesson_id=lesson_id, percent=random.random() * 100, updated_at=time.time()
    )
    connection.execute(
        stmt.on_conflict_do_update(
            index_elements=[progress.c.user_id, progress.c.lesson_id],
            set_={"percent": stmt.excluded.percent, "updated_at": stmt.excluded.updated_at},
        )
    )


@app.get("/bare")
def bare():
    return "ok"


@app.get("/bytes")
def as_bytes():
    return Response(BLOB, mimetype="application/pdf")


@app.get("/template")
def template():
    return render_template("lesson.html", **_context(PADDING))


@app.get("/progress")
def lesson_with_progress():
    user_id, lesson_id = random.randint(1, USERS), random.randint(1, LESSONS)
    with engine.connect() as connection:
        row = connection.execute(
            select(lessons.c.title, progress.c.percent)
            .select_from(
                lessons.outerjoin(
                    progress,
                    (progress.c.lesson_id == lessons.c.id) & (progress.c.user_id == user_id),
                )
            )
            .where(lessons.c.id == lesson_id)
        ).one()
        upsert(connection, user_id, lesson_id)
        connection.commit()
    return render_template("lesson.html", **_context(PADDING, row.title, int(row.percent or 0)))


@app.get("/write")
def write_only():
    with engine.connect() as connection:
        upsert(connection, random.randint(1, USERS), random.randint(1, LESSONS))
        connection.commit()
    return "ok"


def init_db() -> None:
    meta.drop_all(engine)
    meta.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            lessons.insert(), [{"id": i, "title": f"Lesson {i}"} for i in range(1, LESSONS + 1)]
        )
        connection.execute(
            progress.insert(),
            [
                {"user_id": u, "lesson_id": 1 + u % LESSONS, "percent": 50.0, "updated_at": 0.0}
                for u in range(1, USERS + 1)
            ],
        )


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    init_db()
    with app.test_client() as client:
        print(len(client.get("/template").data), "bytes per page")
