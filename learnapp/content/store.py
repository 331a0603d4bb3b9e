"""Holds the loaded catalogue and reloads it when the files change (no Flask here)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType

from learnapp.content.loader import Limits, load_catalogue, stat_signature
from learnapp.content.model import Catalogue, Problem


class ContentStore:
    """The catalogue of one process; every worker notices file changes on its own.

    A change is looked for at most once per `check_interval` seconds, by a cheap
    stat walk, so no request pays for more than that and reloads stay rare. While one
    thread reloads, the others keep serving the catalogue they have (only the very
    first load is waited for), and `limits` bound what a reload may cost.
    """

    def __init__(
        self,
        courses_dir: str,
        quizzes_dir: str,
        *,
        check_interval: float = 1.0,
        on_problem: Callable[[Problem], None] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.courses_dir = courses_dir
        self.quizzes_dir = quizzes_dir
        self.check_interval = check_interval
        self.on_problem = on_problem
        self.limits = limits
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._catalogue: Catalogue | None = None
        self._checked_at = float("-inf")
        self._loaded: dict[str, tuple[str, dt.datetime]] = {}  # slug -> (version, loaded at)

    def catalogue(self) -> Catalogue:
        """The current catalogue, reloaded first if a file changed."""
        due = time.monotonic() - self._checked_at >= self.check_interval
        # Wait for the lock only when there is nothing to serve yet.
        if due and self._lock.acquire(blocking=self._catalogue is None):
            try:
                if time.monotonic() - self._checked_at >= self.check_interval:
                    self._refresh()
            finally:
                self._lock.release()
        return self._catalogue

    def _keep_last_good(self, catalogue: Catalogue) -> Catalogue:
        """A served course that an edit broke stays served as it was until it is fixed."""
        now = dt.datetime.now(dt.UTC)
        for slug, course in catalogue.courses.items():
            if self._loaded.get(slug, ("",))[0] != course.version:
                self._loaded[slug] = (course.version, now)
        previous = self._catalogue.courses if self._catalogue else {}
        kept = {slug: previous[slug] for slug in catalogue.excluded if slug in previous}
        if not kept:
            return catalogue
        courses = {**catalogue.courses, **kept}
        since = {slug: self._loaded[slug][1] for slug in kept}
        return replace(
            catalogue, courses=MappingProxyType(courses), kept_since=MappingProxyType(since)
        )

    def _refresh(self) -> None:
        signature = stat_signature(self.courses_dir, self.quizzes_dir)
        if signature != self._signature or self._catalogue is None:
            catalogue = load_catalogue(self.courses_dir, self.quizzes_dir, limits=self.limits)
            for problem in catalogue.problems if self.on_problem else ():
                self.on_problem(problem)
            self._catalogue = self._keep_last_good(catalogue)
            self._signature = signature
        self._checked_at = time.monotonic()
