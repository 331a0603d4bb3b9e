"""The whole course as one PDF for offline reading, cached per course version and language.

WeasyPrint's memory grows with the document (a dense course grew a worker to 2.2 GB),
so the PDF is built in a child process with an address-space cap (RLIMIT_AS) and a
time cap; one build at a time per worker. A failure is BookUnavailable, remembered for
a while so that retries do not rebuild it, and the worker lives on.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import current_app, render_template

from learnapp.certificates.render import locked_fetcher
from learnapp.content.model import Course, Lesson

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = 300  # seconds before a failed PDF is tried again
_building = threading.Lock()
_failed: dict[tuple, float] = {}


class BookUnavailable(Exception):
    """The PDF could not be built within its caps (or another build took all the time)."""


def _offline_html(course: Course, html: str) -> str:
    """Point asset URLs at the course folder and lesson links at their chapter."""
    assets = f"/courses/{course.slug}/assets/"
    html = html.replace(f'"{assets}', f'"{Path(course.path).as_uri()}/')
    return re.sub(
        rf'href="/courses/{re.escape(course.slug)}/([\w-]+)(#[\w-]*)?"',
        lambda m: f'href="#lesson-{m.group(1)}"',
        html,
    )


def course_pdf(course: Course, language: str, lessons: tuple[Lesson, ...]) -> bytes:
    """PDF bytes of these lessons in order, with a title page and a table of contents."""
    caps = (int(current_app.config["BOOK_MEMORY_BYTES"]), float(current_app.config["BOOK_SECONDS"]))
    key = (course.slug, course.version, language, tuple(lesson.slug for lesson in lessons), *caps)
    if time.monotonic() - _failed.get(key, float("-inf")) < RETRY_AFTER_FAILURE:
        raise BookUnavailable("it failed a moment ago")
    try:
        return _cached_pdf(key, course, lessons)
    except BookUnavailable:
        now = time.monotonic()
        for old in [k for k, at in list(_failed.items()) if now - at >= RETRY_AFTER_FAILURE]:
            _failed.pop(old, None)
        _failed[key] = now
        raise


@functools.lru_cache(maxsize=16)
def _cached_pdf(key: tuple, course: Course, lessons: tuple[Lesson, ...]) -> bytes:
    memory, seconds = key[-2:]
    chapters = [(lesson, _offline_html(course, lesson.html)) for lesson in lessons]
    html = render_template(
        "progress/book.html",
        course=course,
        intro=_offline_html(course, course.intro_html),
        chapters=chapters,
        fonts_url=(Path(current_app.config["STATIC_DIR"]) / "fonts").as_uri(),
    )
    started = time.monotonic()
    if not _building.acquire(timeout=seconds):
        raise BookUnavailable("another PDF took all the time")
    try:
        left = seconds - (time.monotonic() - started)
        return _build(html, current_app.config["STATIC_DIR"], course.path, memory, left)
    finally:
        _building.release()


def _build(html: str, static_dir: str, course_dir: str, memory: int, seconds: float) -> bytes:
    """Run WeasyPrint in a child process within `memory` bytes and `seconds`."""
    # The child imports this very copy of learnapp, installed or not.
    paths = [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    command = [sys.executable, "-m", "learnapp.progress.book", static_dir, course_dir, str(memory)]
    try:
        child = subprocess.run(  # noqa: S603 - our own interpreter and module
            command, input=html.encode(), capture_output=True, timeout=max(seconds, 0.001), env=env
        )
    except subprocess.TimeoutExpired as exc:
        log.warning("course PDF of %s: over %g s, stopped", course_dir, seconds)
        raise BookUnavailable("too slow") from exc
    if child.returncode != 0 or not child.stdout.startswith(b"%PDF"):
        reason = child.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        log.warning("course PDF of %s failed (%s): %s", course_dir, child.returncode, reason[0])
        raise BookUnavailable(reason[0])
    return child.stdout


def main() -> None:
    """The child: HTML on stdin, the PDF on stdout, within the address space given."""
    static_dir, course_dir, memory = sys.argv[1], sys.argv[2], int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from weasyprint import HTML

    html = sys.stdin.buffer.read().decode()
    base_url = Path(course_dir).as_uri() + "/"
    fetcher = locked_fetcher(static_dir, course_dir)
    sys.stdout.buffer.write(HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf())


if __name__ == "__main__":
    main()
