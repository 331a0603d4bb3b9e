"""Lesson-page throughput of `learnapp serve` by --workers x --threads (SQLite), interleaved.

    .venv/bin/python bench/workers.py [WxT ...]      e.g. 1x8 2x4 2x8 3x4 5x4 (the default)

Seeds a database as bench/run.py does (60 learners logged in), then for ROUNDS rounds
starts a fresh `learnapp serve --workers W --threads T` per setting and runs wrk on the
lesson-page request file (2 s warm-up, WRK_DURATION s). Prints req/s per run and the median.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.run as run  # noqa: E402


def main(settings: list[tuple[int, int]]) -> None:
    run.OUT.mkdir(parents=True, exist_ok=True)
    courses, quizzes = run.content.write_site(run.OUT / "site")
    site = SimpleNamespace(courses=courses, quizzes=quizzes)
    database = run.OUT / "workers.db"
    database.unlink(missing_ok=True)
    run.LOGGED_IN = 60
    backend = run.Backend("sqlite", f"sqlite:///{database}", site)
    backend.prepare()
    run.stop(backend.server.process)
    lessons = backend.lesson_file()
    results: dict[tuple[int, int], list[float]] = {setting: [] for setting in settings}
    for round_number in range(run.ROUNDS):
        for workers, threads in settings:
            port = run.free_port()
            command = [str(run.BIN / "learnapp"), "serve", "--host", run.HOST, "--port", str(port)]
            command += ["--workers", str(workers), "--threads", str(threads)]
            log = run.OUT / f"workers-{workers}x{threads}.log"
            process = run.start(command, run.app_env(backend.url, site, port), log)
            run.wait_ready(port)
            run.wrk(port, lessons, run.WARMUP)
            out = run.wrk(port, lessons, run.DURATION)
            run.stop(process)
            results[(workers, threads)].append(out["rps"])
            run.say(
                f"round {round_number} {workers}x{threads}: {out['rps']:.0f} req/s, "
                f"p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, non-2xx {out['non_2xx_3xx']}"
            )
    for (workers, threads), rates in results.items():
        rounded = ", ".join(f"{rate:.0f}" for rate in rates)
        print(f"{workers} x {threads}: median {statistics.median(rates):.0f} req/s [{rounded}]")


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["1x8", "2x4", "2x8", "3x4", "5x4"]
    main([tuple(int(n) for n in setting.split("x")) for setting in chosen])
