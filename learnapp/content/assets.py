"""Course assets: which file of a course folder a URL names, and which files could run script."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

from learnapp.content.model import Problem

# Lesson sources and the certificate template are content, not assets: they may hold
# locked, draft or enrolment-only text.
HIDDEN_SUFFIXES = (".md", ".html")


def asset_file(folder: str, path: str) -> str | None:
    """The real path of the asset that `path` (from a URL) names in `folder`, or None.

    The path is normalised and resolved, symbolic links included, before anything is
    decided: `02-x.md/`, `a/../02-x.md`, `./COURSE.MD` or a link to a lesson are the
    lesson source, and no asset. Dot files and anything outside the folder are none either.
    """
    if "\\" in path or "\x00" in path:
        return None
    normal = posixpath.normpath("/" + path).lstrip("/")
    if not normal or any(part.startswith(".") for part in normal.split("/")):
        return None
    root = os.path.realpath(folder)
    real = os.path.realpath(os.path.join(root, *normal.split("/")))
    relative = os.path.relpath(real, root)
    if relative.startswith(os.pardir) or not os.path.isfile(real):
        return None
    if any(part.startswith(".") or _hidden(part) for part in relative.split(os.sep)):
        return None
    return real


def _hidden(name: str) -> bool:
    """A lesson source or template under any name an OS or an editor gives it.

    Windows ignores trailing dots and spaces and reads `name:stream` as `name`; editors and
    merges leave `02-x.md~`, `#02-x.md#`, `02-x.md.bak` or `.orig` beside the lesson.
    """
    name = name.split(":", 1)[0].rstrip(". ").strip("#~").lower()
    return any("." + part.rstrip("~#") in HIDDEN_SUFFIXES for part in name.split(".")[1:])


# Files that could run script in a browser: `courses check` warns about them.

_SCRIPT_TAGS = {
    "script": "SVG <script> never runs in a course asset: remove it",
    "foreignobject": "SVG <foreignObject> may hold HTML and script, which never run in a"
    " course asset: remove it",
    "iframe": "SVG <iframe> never loads in a course asset: remove it",
    "embed": "SVG <embed> never loads in a course asset: remove it",
    "object": "SVG <object> never loads in a course asset: remove it",
    "handler": "SVG <handler> never runs in a course asset: remove it",
}
_PAGE = (
    "HTML page: course assets are never shown as pages, learners get a download;"
    " write lessons in Markdown"
)
_FILES = {
    ".htm": _PAGE,
    ".xhtml": _PAGE,
    ".html": "HTML file: only certificate.html (the certificate template) is used;"
    " this one is never served",
    ".js": "JavaScript file: course assets never run as scripts, learners get a download",
    ".mjs": "JavaScript file: course assets never run as scripts, learners get a download",
}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop these inside a URL scheme


def script_warnings(folder: str, show: Callable[[str], str]) -> list[Problem]:
    """A warning for each file of a course folder that could run script in a browser:
    HTML pages, JavaScript, and SVG with script, event handlers or `javascript:` links.

    `show` turns a path into the way problems print it.
    """
    problems = []
    for path in _visible_files(folder):
        shown = show(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".svg":
            problems += [Problem(shown, line, msg, "warning") for line, msg in _svg_script(path)]
        elif suffix in _FILES and os.path.relpath(path, folder) != "certificate.html":
            problems.append(Problem(shown, 0, _FILES[suffix], "warning"))
    return problems


def _visible_files(folder: str) -> Iterator[str]:
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        yield from (os.path.join(top, name) for name in sorted(files) if not name.startswith("."))


def _svg_script(path: str) -> list[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    finder = _SvgScriptFinder()
    finder.feed(text)
    finder.close()
    return finder.found


class _SvgScriptFinder(HTMLParser):
    """Finds script in SVG markup; tolerant of bad markup, which a browser may still run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        local = tag.rpartition(":")[2]  # <x:script xmlns:x="…xhtml"> runs too
        if local in _SCRIPT_TAGS:
            self.found.append((line, _SCRIPT_TAGS[local]))
        for name, value in attrs:
            if name.rpartition(":")[2].startswith("on"):
                message = f"SVG event handler {name}= never runs in a course asset: remove it"
                self.found.append((line, message))
            elif "javascript:" in _URL_NOISE.sub("", value or "").lower():
                message = "SVG link to javascript: never runs in a course asset: remove it"
                self.found.append((line, message))
