"""Crash safety: workers killed (SIGKILL) in a burst of writes lose no acknowledged write.

Learners complete the lessons of a long course as fast as the server lets them; twice
during the burst one gunicorn worker is killed outright, as the kernel's OOM killer or a
segfault would. A request that was on the dying worker gets no answer and is sent again
(as a learner presses again). Afterwards, and again after a restart of the server, the
database is intact and holds every completion that was answered with a 303.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from learnapp.models import LessonCompletion, User
from tests.stress.browser import Browser, Dropped, Tally
from tests.stress.journeys import expect, register

LEARNERS = 8
LESSONS = 50
COURSE = "/courses/marathon"
KILL_AT = (0.25, 0.6)  # share of all completions acknowledged when a worker is killed


def add_long_course(site: Path) -> list[str]:
    """A course of LESSONS lessons (no certificate: the burst is of plain writes)."""
    folder = site / "courses" / "09-marathon"
    folder.mkdir()
    (folder / "course.md").write_text(
        "---\ntitle: Marathon\nsummary: Many short steps.\ncertificate: false\n---\nGo.\n"
    )
    slugs = [f"step-{n:02d}" for n in range(1, LESSONS + 1)]
    for number, slug in enumerate(slugs, 1):
        (folder / f"{number:02d}-{slug}.md").write_text(f"# Step {number}\n\nKeep going.\n")
    return slugs


class Ledger:
    """The completions the server acknowledged, and the workers killed meanwhile."""

    def __init__(self) -> None:
        self.acknowledged: set[tuple[str, str]] = set()
        self.killed: list[int] = []
        self._lock = threading.Lock()

    def add(self, email: str, slug: str) -> None:
        with self._lock:
            self.acknowledged.add((email, slug))

    def __len__(self) -> int:
        with self._lock:
            return len(self.acknowledged)


def complete_all(browser: Browser, email: str, slugs: list[str], ledger: Ledger) -> None:
    for slug in slugs:
        for _ in range(5):
            try:
                response = browser.post(f"{COURSE}/{slug}/complete")
            except Dropped:
                continue  # its worker died: press again
            expect(response, 303, f"complete {slug}")
            ledger.add(email, slug)
            break
        else:
            pytest.fail(f"{email} could not complete {slug} in five tries")


def killer(server, ledger: Ledger, total: int, done: threading.Event) -> None:
    for share in KILL_AT:
        while len(ledger) < share * total and not done.is_set():
            time.sleep(0.005)
        if done.is_set():
            return
        ledger.killed.append(server.kill_worker())
        server.wait_until_healthy()  # the master has booted a replacement


def integrity_problems(database_url: str) -> list[str]:
    """SQLite's own check of every page and index, and of every foreign key."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return []  # PostgreSQL: crash recovery is the server's (WAL replay); rows are checked
    connection = sqlite3.connect(url.database)
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign_keys = list(connection.execute("PRAGMA foreign_key_check"))
    finally:
        connection.close()
    return [] if integrity == ["ok"] and not foreign_keys else integrity + foreign_keys


def stored_completions(database_url: str) -> tuple[set[tuple[str, str]], int]:
    """(email, lesson) of every marathon completion, and how many rows hold them."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(User.email, LessonCompletion.lesson_slug)
            .join(User, User.id == LessonCompletion.user_id)
            .where(LessonCompletion.course_slug == "marathon")
        ).all()
        duplicates = session.execute(
            select(LessonCompletion.user_id, LessonCompletion.lesson_slug)
            .group_by(LessonCompletion.user_id, LessonCompletion.lesson_slug)
            .having(func.count() > 1)
        ).all()
    engine.dispose()
    assert duplicates == []
    return {tuple(row) for row in rows}, len(rows)


@pytest.mark.slow
def test_killed_workers_lose_no_acknowledged_write(serve, site):
    slugs = add_long_course(site)
    server = serve()
    tally, ledger, done = Tally(), Ledger(), threading.Event()
    browsers = {
        f"runner{n}@stress.example.org": Browser(server.url, n, tally) for n in range(LEARNERS)
    }
    with ThreadPoolExecutor(LEARNERS) as pool:
        list(pool.map(lambda item: register(item[1], item[0], "Runner"), browsers.items()))
        for browser in browsers.values():
            expect(browser.post(f"{COURSE}/enrol"), 303, "enrol")

        started = time.monotonic()
        kills = threading.Thread(target=killer, args=(server, ledger, LEARNERS * LESSONS, done))
        kills.start()
        try:
            list(
                pool.map(
                    lambda item: complete_all(item[1], item[0], slugs, ledger), browsers.items()
                )
            )
        finally:
            done.set()
            kills.join()
        seconds = time.monotonic() - started

    live_problems = integrity_problems(server.database_url)
    server.stop()
    stopped_problems = integrity_problems(server.database_url)
    stored, rows = stored_completions(server.database_url)
    serve(server)  # restart on the same database
    browser = next(iter(browsers.values()))
    overview = expect(browser.get(COURSE), 200, "overview after restart").text
    log = server.log()
    print(
        f"\ncrash: {LEARNERS} learners, {len(ledger)} completions acknowledged in {seconds:.1f} s"
        f" while workers {ledger.killed} were killed; {tally.dropped} requests dropped and"
        f" sent again, {len(tally.server_errors)} server errors; {rows} rows checked;"
        f" integrity {live_problems or 'ok'} running, {stopped_problems or 'ok'} stopped"
    )
    assert len(ledger.killed) == len(KILL_AT)
    assert live_problems == [] and stopped_problems == []
    assert ledger.acknowledged <= stored  # no acknowledged write is missing
    assert stored == {(email, slug) for email in browsers for slug in slugs}
    assert "Progress: 100%" in overview
    assert tally.server_errors == []
    assert "database is locked" not in log
    assert log.count("was sent SIGKILL") == len(KILL_AT)
