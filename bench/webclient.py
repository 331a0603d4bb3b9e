"""A tiny keep-alive HTTP client with a cookie jar, for logging learners in (loopback only)."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One visitor: one connection, its cookies; redirects are returned, not followed."""

    def __init__(self, host: str, port: int) -> None:
        assert host in ("127.0.0.1", "localhost"), "bench traffic stays on loopback"
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | list | None = None):
        """(status, headers, body) of one request."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict | list):
        return self.request("POST", path, form)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf_token(self, path: str = "/login") -> str:
        status, _, body = self.get(path)
        match = CSRF.search(body.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        status, headers, _ = self.post(
            "/login", {"email": email, "password": password, "csrf_token": token}
        )
        if status != 303:
            raise RuntimeError(f"login of {email} failed (HTTP {status})")

    def close(self) -> None:
        self.connection.close()
