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


def default_workers() -> int:
    """2 × CPUs + 1, capped at 8: gunicorn's advice, sized for small servers."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


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
