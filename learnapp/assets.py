"""Static files, served by WhiteNoise in front of Flask: fingerprinted, precompressed once.

At start-up every file under the static folder gets a content fingerprint in its name
(`css/app.css` -> `css/app.3f2a9c01be.css`, the first 10 hex digits of its SHA-256) and,
when it is text, gzip and brotli variants. They are written once into a content-addressed
cache folder (`STATIC_CACHE_DIR`, by default instance/static-cache; a file already there is
kept, so workers and restarts share the work) and served by WhiteNoise before the request
reaches Flask: no session, no user, no hooks. `url_for('static', ...)` gives the
fingerprinted URL, cached for a year as immutable; the plain URL still works, cached for
an hour. A file added to the folder after start-up is served by Flask's own static view.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import brotli
from flask import Flask, current_app, request, send_from_directory, url_for
from whitenoise import WhiteNoise

from learnapp.security import HEADERS

log = logging.getLogger(__name__)

YEAR = 365 * 24 * 3600
PLAIN_MAX_AGE = 3600  # an unfingerprinted URL can change meaning: an hour
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".svg", ".txt", ".md", ".json", ".map", ".html"})
MIN_COMPRESS_BYTES = 256  # below this a compressed variant saves nothing worth the header


def fingerprinted_name(relative: str, data: bytes) -> str:
    """`css/app.css` -> `css/app.<10 hex digits of the SHA-256>.css`."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    folder, _, name = relative.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    hashed = f"{stem}.{digest}.{extension}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def _write_once(path: Path, data: bytes) -> None:
    """Write `path` atomically unless it exists (its name says what it holds)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _variants(data: bytes) -> dict[str, bytes]:
    """The gzip and brotli forms of `data`, each only if it is smaller."""
    found = {
        ".gz": gzip.compress(data, compresslevel=9, mtime=0),
        ".br": brotli.compress(data, quality=11),
    }
    return {suffix: packed for suffix, packed in found.items() if len(packed) < len(data)}


def build(static_dir: Path, cache_dir: Path) -> dict[str, str]:
    """Fingerprint and precompress every static file into `cache_dir` (once per content).

    Returns relative name -> fingerprinted relative name.
    """
    names: dict[str, str] = {}
    for path in sorted(static_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(static_dir).as_posix()
        data = path.read_bytes()
        hashed = fingerprinted_name(relative, data)
        target = cache_dir / hashed
        _write_once(target, data)
        if path.suffix.lower() in COMPRESSIBLE and len(data) >= MIN_COMPRESS_BYTES:
            missing = [s for s in (".gz", ".br") if not Path(f"{target}{s}").exists()]
            if missing:
                for suffix, packed in _variants(data).items():
                    _write_once(Path(f"{target}{suffix}"), packed)
        names[relative] = hashed
    return names


class StaticFiles(WhiteNoise):
    """WhiteNoise with the app's fingerprinted names, its cache lifetimes and headers."""

    FOREVER = YEAR

    @staticmethod
    def serve(static_file, environ, start_response):
        """As WhiteNoise, but the file is read at once and closed: a server that does not
        close the response when the client goes away (werkzeug's, in the browser tests)
        leaves no open file behind. The files are small (the CSS is 16 KB)."""
        response = static_file.get_response(environ["REQUEST_METHOD"], environ)
        start_response(f"{response.status} {response.status.phrase}", list(response.headers))
        if response.file is None:
            return []
        try:
            return [response.file.read()]
        finally:
            response.file.close()

    def __init__(self, application, static_dir: Path, cache_dir: Path, url_prefix: str):
        self.fingerprinted: dict[str, str] = build(static_dir, cache_dir)
        self.immutable_urls: set[str] = set()
        super().__init__(
            application,
            max_age=PLAIN_MAX_AGE,
            allow_all_origins=False,
            add_headers_function=_security_headers,
            immutable_file_test=lambda path, url: url in self.immutable_urls,
        )
        prefix = url_prefix.rstrip("/") + "/"
        for relative, hashed in self.fingerprinted.items():
            path = str(cache_dir / hashed)
            self.immutable_urls.add(prefix + hashed)
            self.add_file_to_dictionary(prefix + hashed, path)
            self.add_file_to_dictionary(prefix + relative, path)


def _security_headers(headers, path: str, url: str) -> None:
    for name, value in HEADERS.items():
        headers[name] = value


def static_file(filename: str):
    """Flask's static view, for a file that appeared after start-up (WhiteNoise serves the
    rest): cached for an hour, as it has no fingerprint."""
    return send_from_directory(current_app.static_folder, filename, max_age=PLAIN_MAX_AGE)


def static_url(filename: str) -> str:
    """`url_for('static', filename=...)`, built once per worker and file: every page asks
    for the same ones (base.html)."""
    urls = current_app.extensions.setdefault("learnapp.static_urls", {})
    key = (request.script_root, filename)
    if (url := urls.get(key)) is None:
        url = urls[key] = url_for("static", filename=filename)
    return url


def init_app(app: Flask) -> None:
    static_dir = Path(app.static_folder)
    cache_dir = Path(app.config.get("STATIC_CACHE_DIR") or Path(app.instance_path, "static-cache"))
    try:
        files = StaticFiles(app.wsgi_app, static_dir, cache_dir, app.static_url_path)
    except OSError as error:  # a read-only instance folder: build in a private one
        log.warning("static cache %s not writable (%s): using a temporary folder", cache_dir, error)
        cache_dir = Path(tempfile.mkdtemp(prefix="learnapp-static-"))
        files = StaticFiles(app.wsgi_app, static_dir, cache_dir, app.static_url_path)
    app.wsgi_app = files
    app.extensions["learnapp.static"] = files
    app.view_functions["static"] = static_file
    app.add_template_global(static_url)
    names = files.fingerprinted

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and (hashed := names.get(values.get("filename"))):
            values["filename"] = hashed
