"""Static files: fingerprinted URLs (`?v=<content hash>`, cached for a year; a changed
file gets a new URL) and compressible text files."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask, current_app


@functools.cache
def fingerprint(static_dir: str, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256, or None if there is no such file."""
    path = Path(static_dir, filename)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return None


TEXT_TYPES = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml"})


def static_file(filename: str):
    """Static files as the static view serves them; small text files buffered so that
    they are compressed like pages (streamed responses are not)."""
    response = current_app.send_static_file(filename)
    if response.status_code == 200 and response.mimetype in TEXT_TYPES:
        response.direct_passthrough = False
        response.make_sequence()  # reads the file and closes it with the response
    return response


def init_app(app: Flask) -> None:
    app.view_functions["static"] = static_file

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(app.static_folder, values["filename"])
            if version:
                values["v"] = version
