"""xAPI figures: what recording statements adds to a learner's requests, and statements per
second from the outbox to a real LRS.

    .venv/bin/python bench/xapi.py [JOURNEYS] [ROUNDS]

In-process, on a scratch SQLite database in bench/out/ and the test fixture course:

- recording: JOURNEYS learners (default 30) each enrol, complete two lessons and fail the
  quiz (6 statements) through the test client, with LEARNAPP_XAPI_ENDPOINT unset and set,
  in ROUNDS (default 3) interleaved rounds; milliseconds per journey, and the ratio;
- delivery: the statements those journeys queued, drained by `xapi.sender` to Ralph (the
  tests' LRS, file-system backend, on a free 127.0.0.1 port), against the yardstick of the
  same statements POSTed bare in the same batches to a fresh Ralph (no claim, no marking:
  the ratio is the price of the outbox's bookkeeping).

Prints one JSON object.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learnapp import create_app, init_migrations  # noqa: E402
from learnapp.extensions import db  # noqa: E402
from learnapp.models import XapiStatement  # noqa: E402
from tests.conftest import COURSE, Client, base_config  # noqa: E402
from tests.xapi.conftest import PASSWORD, USERNAME, Ralph  # noqa: E402
from tests.xapi.test_lrs import fail_quiz  # noqa: E402

OUT = ROOT / "bench" / "out"


def make_app(database: Path):
    from flask_migrate import upgrade

    app = init_migrations(create_app(base_config(f"sqlite:///{database}", OUT)))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    return app


def journeys(app, count: int, endpoint: str, start: int) -> float:
    """Milliseconds per learner journey: enrol, two lessons, the quiz failed (6 statements;
    failed, so that no certificate is rendered: its 100 ms would hide the rest)."""
    from learnapp.auth import service

    app.config["XAPI_ENDPOINT"] = endpoint
    clients = []
    with app.app_context():
        for n in range(start, start + count):
            email = f"bench{n}@example.org"
            service.create_user(email=email, name="Bench", password="correct horse battery")
            db.session.commit()
            client = app.test_client()
            client.submit("/login", {"email": email, "password": "correct horse battery"})
            clients.append(client)
    began = time.perf_counter()
    for client in clients:
        client.submit(f"{COURSE}/enrol")
        client.submit(f"{COURSE}/first-steps/complete")
        client.submit(f"{COURSE}/working-together/complete")
        fail_quiz(client)
    return (time.perf_counter() - began) * 1000 / count


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "xapi.db"
    database.unlink(missing_ok=True)
    app = make_app(database)
    endpoint = "http://127.0.0.1:9/xAPI/"  # recorded, never sent during this part
    journeys(app, 5, endpoint, 10**6)  # warm-up: templates compiled, content loaded
    off, on = [], []
    for number in range(rounds):  # interleaved, each mode first in turn
        modes = [("", off), (endpoint, on)][:: 1 if number % 2 == 0 else -1]
        for index, (setting, figures) in enumerate(modes):
            figures.append(journeys(app, count, setting, (2 * number + index) * count))
    with app.app_context():
        rows = list(db.session.scalars(db.select(XapiStatement).order_by(XapiStatement.id)))
        made = [row.statement for row in rows][5 * 6 :]  # not the warm-up's
        db.session.execute(db.delete(XapiStatement).where(XapiStatement.id <= rows[29].id))
        db.session.commit()

    folder = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    try:
        bare = Ralph(folder / "bare")
        bare.start()
        began = time.perf_counter()
        for first in range(0, len(made), 50):
            bare.post(made[first : first + 50])
        bare_seconds = time.perf_counter() - began
        bare.stop()

        lrs = Ralph(folder / "outbox")
        lrs.start()
        app.config.update(XAPI_ENDPOINT=lrs.endpoint, XAPI_USERNAME=USERNAME)
        app.config["XAPI_PASSWORD"] = PASSWORD
        from learnapp.xapi.sender import configured_lrs, drain

        with app.app_context():
            began = time.perf_counter()
            delivery = drain(configured_lrs())
            outbox_seconds = time.perf_counter() - began
        stored = len(lrs.statements())
        lrs.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(
        json.dumps(
            {
                "journeys_per_round": count,
                "rounds": rounds,
                "ms_per_journey_xapi_off": round(statistics.median(off), 1),
                "ms_per_journey_xapi_on": round(statistics.median(on), 1),
                "ratio_on_off": round(statistics.median(map(lambda a, b: b / a, off, on)), 2),
                "statements": len(made),
                "outbox_sent": delivery.sent,
                "lrs_stored": stored,
                "outbox_statements_per_s": round(len(made) / outbox_seconds),
                "bare_post_statements_per_s": round(len(made) / bare_seconds),
                "ratio_outbox_bare": round(bare_seconds / outbox_seconds, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
