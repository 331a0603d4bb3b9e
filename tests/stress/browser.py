"""A learner's browser for the stress tests: plain HTTP, its own cookies, its own address.

Each learner connects from its own loopback address (127.1.x.y), as learners on their
own machines would, so per-address rate limits (20 registrations an hour) apply to each
learner rather than to the whole crowd.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Dropped(Exception):
    """The connection broke before a response arrived (say, its worker was killed)."""


@dataclass
class Tally:
    """Every response of a run by status, and every dropped request; thread-safe."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    dropped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {method} {path}")

    def drop(self) -> None:
        with self._lock:
            self.dropped += 1

    @property
    def responses(self) -> int:
        return sum(self.statuses.values())


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


class Browser:
    """One learner: a cookie jar and the CSRF token of its session."""

    def __init__(self, base_url: str, number: int, tally: Tally):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.address = f"127.1.{number // 200}.{number % 200 + 1}"
        self.tally = tally
        self.cookies: dict[str, str] = {}
        self.csrf_token: str | None = None
        self._lock = threading.Lock()

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        """One request on a fresh connection; raises Dropped when no response came."""
        body = urlencode(form, doseq=True) if form is not None else None
        with self._lock:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=60, source_address=(self.address, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        except (OSError, http.client.HTTPException) as error:
            self.tally.drop()
            raise Dropped(f"{method} {path}: {error!r}") from error
        finally:
            connection.close()
        self.tally.record(method, path, response.status)
        self._remember(response)
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None) -> Response:
        """POST a form with the session's CSRF token, as the page's form would."""
        if self.csrf_token is None:
            self.get("/login")
        return self.request("POST", path, {"csrf_token": self.csrf_token, **(form or {})})

    def _remember(self, response: Response) -> None:
        with self._lock:
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if response.headers.get_content_type() == "text/html":
                found = _CSRF.search(response.text)
                if found:
                    self.csrf_token = found.group(1)
