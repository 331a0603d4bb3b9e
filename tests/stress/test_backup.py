"""`learnapp db backup` while the app writes: a consistent copy that restores to a working app."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import make_url

from learnapp.auth.service import hash_password
from learnapp.extensions import db
from learnapp.models import User, now_utc
from tests.conftest import PASSWORD, POSTGRES_URL


class Writer(threading.Thread):
    """Adds users one committed transaction at a time, as a busy app would, until stopped."""

    def __init__(self, database_url: str):
        super().__init__()
        self.engine = create_engine(database_url)
        self.committed = 0
        self.stop = threading.Event()
        self.password_hash = hash_password(PASSWORD)

    def run(self) -> None:
        while not self.stop.is_set():
            with self.engine.begin() as connection:
                connection.execute(
                    insert(User).values(
                        email=f"writer{self.committed}@example.org",
                        name=f"Writer {self.committed}",
                        password_hash=self.password_hash,
                        role="learner",
                        language="en",
                        active=True,
                        created_at=now_utc(),
                    )
                )
            self.committed += 1
        self.engine.dispose()


def users_in(path) -> int:
    connection = sqlite3.connect(path)
    try:
        assert [row[0] for row in connection.execute("PRAGMA integrity_check")] == ["ok"]
        return connection.execute("SELECT count(*) FROM user").fetchone()[0]
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite online backup; PostgreSQL uses pg_dump")
def test_backups_taken_during_writes_are_consistent_and_restore(app, client, runner, tmp_path):
    writer = Writer(app.config["DATABASE_URL"])
    writer.start()
    backups = []
    try:
        while len(backups) < 3:
            assert writer.is_alive()
            if writer.committed < 20 * (len(backups) + 1):
                time.sleep(0.01)  # let some writes land between backups
                continue
            before = writer.committed
            path = tmp_path / f"backup-{len(backups)}.db"
            result = runner.invoke(args=["db", "backup", str(path)])
            assert result.exit_code == 0, result.output
            backups.append((path, before, writer.committed))
    finally:
        writer.stop.set()
        writer.join()

    for path, before, after in backups:
        assert before <= users_in(path) <= after  # a snapshot of one moment, checked whole
    print(f"\nbackup: 3 backups during {writer.committed} committed writes, integrity ok")

    # Restore as the README says: app stopped, copy in place (old WAL files gone), upgrade.
    db.session.remove()
    db.engine.dispose()
    live = Path(make_url(app.config["DATABASE_URL"]).database)
    for leftover in (live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")):
        leftover.unlink(missing_ok=True)
    backup = backups[-1][0]
    shutil.copyfile(backup, live)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) == users_in(backup)
    response = client.submit("/login", {"email": "writer0@example.org", "password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/me").status_code == 200


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")
def test_backup_on_postgresql_points_at_pg_dump(runner, tmp_path):
    result = runner.invoke(args=["db", "backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output
    assert make_url(POSTGRES_URL).get_backend_name() == "postgresql"
