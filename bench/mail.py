"""E-mail figures: messages per second from the outbox to a local SMTP server, and messages
delivered twice when senders are killed.

    .venv/bin/python bench/mail.py [MESSAGES] [DATABASE_URL]

Starts aiosmtpd on a free 127.0.0.1 port (counting every message by its Message-ID),
builds a scratch database (SQLite in bench/out/ unless a PostgreSQL URL is given; it
must be an empty scratch database: its tables are dropped), then measures:

- throughput: MESSAGES (default 1000) queued rows drained by one sender in-process, against
  the yardstick of the same messages built and sent by bare smtplib over one connection
  (no claim, no marking: the ratio is the price of the outbox's bookkeeping);
- kill between claim and send: `learnapp worker` claims against a server that never
  answers, is killed (SIGKILL), the claim expires, a second worker delivers;
- kill mid-flight: three `learnapp worker` processes at once, one killed at random while
  sending; then the claims expire and a worker delivers the rest.

Prints one JSON object. The duplicates of the first kill test must be 0; those of the
mid-flight one count messages the server had accepted when the sender died before
marking them sent (at least once: never lost, rarely twice).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LEARNAPP = str(Path(sys.executable).parent / "learnapp")


class Counting:
    def __init__(self):
        self.ids: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message_id = next(
            (line.split(b":", 1)[1].strip() for line in envelope.content.splitlines()
             if line.lower().startswith(b"message-id:")),
            b"?",
        )  # fmt: skip
        with self.lock:
            self.ids[message_id] += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    from aiosmtpd.controller import Controller
    from sqlalchemy import text, update

    from learnapp import create_app, init_migrations
    from learnapp.extensions import db
    from learnapp.mail import service
    from learnapp.mail.message import build
    from learnapp.mail.sender import MailServer, drain
    from learnapp.models import OutboxMessage, now_utc

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{out / 'mail.db'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    counting = Counting()
    port = free_port()
    smtp = Controller(counting, hostname="127.0.0.1", port=port)
    smtp.start()
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "BASE_URL": "https://learn.example.org",
        "MAIL_URL": f"smtp://127.0.0.1:{port}",
        "MAIL_FROM": "LearnApp <learnapp@learn.example.org>",
        "COURSES_DIR": str(ROOT / "tests" / "fixtures" / "site" / "courses"),
        "QUIZZES_DIR": str(ROOT / "tests" / "fixtures" / "site" / "quizzes"),
    }
    environment = dict(os.environ, **{f"LEARNAPP_{k}": v for k, v in config.items()})
    app = init_migrations(create_app(config))
    server = MailServer.from_url(config["MAIL_URL"])

    def queue(n: int) -> None:
        for number in range(n):
            service.enqueue(
                to_address=f"learner{number}@example.org", to_name=f"Learner {number}",
                language=("en", "fr", "ar")[number % 3], kind="certificate_issued",
                subject="x", course_title="Basics", verify_url="https://learn.example.org/v/X",
            )  # fmt: skip
        db.session.commit()

    def expire_claims() -> None:
        db.session.execute(update(OutboxMessage).values(claimed_until=now_utc()))
        db.session.commit()

    def unsent() -> int:
        return db.session.scalar(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
        )

    results: dict = {"database": url.split(":")[0], "messages": count}
    with app.app_context():
        from flask_migrate import upgrade

        if not url.startswith("sqlite"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))

        # Throughput, against bare smtplib over one connection with the same messages.
        queue(count)
        rows = db.session.scalars(db.select(OutboxMessage)).all()
        started = time.perf_counter()
        connection = server.connect()
        for row in rows:
            connection.send_message(build(row, config["MAIL_FROM"], config["SECRET_KEY"]))
        connection.quit()
        bare = time.perf_counter() - started
        counting.ids.clear()
        started = time.perf_counter()
        sent = drain(server).sent
        elapsed = time.perf_counter() - started
        results["throughput"] = {
            "sent": sent,
            "messages_per_second": round(sent / elapsed, 1),
            "bare_smtplib_per_second": round(count / bare, 1),
            "ratio_to_bare": round(bare / elapsed, 2),
            "delivered_twice": sum(1 for n in counting.ids.values() if n > 1),
        }
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
        counting.ids.clear()

        # Killed between claim and send: a server that accepts and never greets.
        queue(200)
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        hanging = dict(environment, LEARNAPP_MAIL_URL=f"smtp://127.0.0.1:{silent.getsockname()[1]}")
        worker = subprocess.Popen([LEARNAPP, "worker", "--once"], env=hanging, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        while (
            db.session.scalar(
                db.select(db.func.count(OutboxMessage.id)).where(
                    OutboxMessage.claimed_by.is_not(None)
                )
            )
            == 0
        ):
            db.session.rollback()
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        silent.close()
        expire_claims()
        subprocess.run([LEARNAPP, "worker", "--once"], env=environment, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        db.session.rollback()
        results["kill_between_claim_and_send"] = {
            "messages": 200,
            "delivered": len(counting.ids),
            "delivered_twice": sum(1 for n in counting.ids.values() if n > 1),
            "unsent": unsent(),
        }
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
        counting.ids.clear()

        # Three workers at once, one killed while sending.
        queue(count)
        workers = [
            subprocess.Popen(
                [LEARNAPP, "worker", "--once"],
                env=environment,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(3)
        ]
        while len(counting.ids) < count // 4:
            time.sleep(0.01)
        time.sleep(random.uniform(0, 0.2))
        workers[0].send_signal(signal.SIGKILL)
        for worker in workers:
            worker.wait()
        expire_claims()
        subprocess.run([LEARNAPP, "worker", "--once"], env=environment, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        db.session.rollback()
        results["three_workers_one_killed_mid_flight"] = {
            "messages": count,
            "delivered": len(counting.ids),
            "delivered_twice": sum(1 for n in counting.ids.values() if n > 1),
            "unsent": unsent(),
        }
        db.engine.dispose()
    smtp.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
