"""Run the app under gunicorn from Python (`learnapp serve`)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from learnapp import create_app

        return create_app()


DEFAULT_THREADS = 8


def default_workers() -> int:
    """One worker per CPU (at least 2, at most 8), each with DEFAULT_THREADS threads.

    The pages are CPU-bound Python: one process per core keeps every core busy, and the
    threads overlap the waits (database, socket). More processes than cores only add
    switching, memory and cold per-worker caches: on 2 cores, 2 x 8 served the most lesson
    pages, 5 x 4 (gunicorn's 2 x CPUs + 1) about a quarter fewer (bench/README.md).
    """
    return min(max(os.cpu_count() or 1, 2), 8)


def warn_if_certificates_slow(server) -> None:
    """Log a warning when HarfBuzz-subset is missing (a cheap check: no WeasyPrint import)."""
    from learnapp.doctor import HARFBUZZ_FIX, HARFBUZZ_MISSING, harfbuzz_subset_available

    if not harfbuzz_subset_available():
        server.log.warning("%s; %s", HARFBUZZ_MISSING, HARFBUZZ_FIX)


def run_gunicorn(*, host: str, port: int, workers: int | None, threads: int) -> None:
    """Start gunicorn in the foreground."""
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "on_starting": warn_if_certificates_slow,
        }
    ).run()
