"""Load the catalogue from `courses/` and `quizzes/`: every valid course, every problem."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import MappingProxyType

from learnapp.content.course import read_course_file, read_lesson
from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer, too_complex
from learnapp.content.model import Catalogue, Course, Lesson, Problem, Quiz
from learnapp.content.names import NAME_RULE, order_key, split_name
from learnapp.quizzes import parse as quiz_parse

# Lesson URLs are /courses/<course>/<lesson>: these names are taken by other routes.
RESERVED_SLUGS = frozenset({"assets", "quizzes", "enrol"})
# Rendering time grows with size (faster than linearly for dense Markdown): a content file
# stays well below what one lesson page may weigh anyway (SPEC §5: 60 KB compressed).
MAX_FILE_BYTES = 128 * 1024


@dataclass(frozen=True, slots=True)
class _Site:
    courses_dir: str
    quizzes_dir: str
    url_prefix: str
    root: str

    def show(self, path: str) -> str:
        """`path` as problems print it: relative to the root when inside it."""
        relative = os.path.relpath(path, self.root)
        return path if relative.startswith("..") else relative.replace(os.sep, "/")


def load_catalogue(
    courses_dir: str | os.PathLike,
    quizzes_dir: str | os.PathLike,
    url_prefix: str = "/courses",
    *,
    root: str | os.PathLike | None = None,
) -> Catalogue:
    """Load every course; one with an error is left out and the rest are still served."""
    courses_dir, quizzes_dir = os.path.abspath(courses_dir), os.path.abspath(quizzes_dir)
    root = os.path.abspath(root) if root else os.path.dirname(courses_dir)
    site = _Site(courses_dir, quizzes_dir, url_prefix.rstrip("/"), root)
    problems: list[Problem] = []
    courses: dict[str, Course] = {}
    excluded: list[str] = []
    for dirname, slug in _course_folders(site, problems):
        course, found = _load_course(site, dirname, slug)
        problems += found
        if course is None or any(p.severity == "error" for p in found):
            excluded.append(slug)
        else:
            courses[slug] = course
    problems += _orphan_quiz_folders(site, {*courses, *excluded})
    problems.sort(key=lambda p: (p.path, p.line))
    return Catalogue(MappingProxyType(courses), tuple(problems), tuple(excluded))


def stat_signature(courses_dir: str | os.PathLike, quizzes_dir: str | os.PathLike) -> tuple:
    """A cheap fingerprint of both trees (entries, newest mtime, total size) to spot changes."""
    count = newest = size = 0
    for top in (os.fspath(courses_dir), os.fspath(quizzes_dir)):
        with contextlib.suppress(OSError):  # a renamed course folder changes its parent's mtime
            newest = max(newest, os.stat(top).st_mtime_ns)
        for entry in _scan(top):
            stat = entry.stat()
            count, size = count + 1, size + stat.st_size
            newest = max(newest, stat.st_mtime_ns)
    return (count, newest, size)


def content_version(*folders: str) -> str:
    """SHA-256 of every file's path (relative to its folder) and bytes, in a fixed order."""
    digest = hashlib.sha256()
    for index, folder in enumerate(folders):
        for relative in sorted(_files(folder)):
            with open(os.path.join(folder, relative), "rb") as handle:
                data = handle.read()
            name = f"{index}/{relative}".encode()
            digest.update(b"%d:%s:%d:" % (len(name), name, len(data)) + data)
    return digest.hexdigest()


def _scan(top: str) -> Iterator[os.DirEntry]:
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        yield entry
        if entry.is_dir():
            yield from _scan(entry.path)


def _files(folder: str) -> Iterator[str]:
    """Relative paths (with /) of the visible files under `folder`."""
    for entry in _scan(folder):
        if entry.is_file():
            yield os.path.relpath(entry.path, folder).replace(os.sep, "/")


def _read(path: str, shown: str) -> tuple[str | None, list[Problem]]:
    """The text of a Markdown file, or None and the problem that keeps it from being read."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(shown, 0, f"cannot read the file: {exc.strerror}")]
    if len(data) > MAX_FILE_BYTES:
        message = (
            f"the file is {size / 1024:,.0f} KB; a content file may be at most"
            f" {MAX_FILE_BYTES // 1024} KB: split it into several lessons"
        )
        return None, [Problem(shown, 0, message)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, "the file is not UTF-8 text; save it as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if (issue := too_complex(text)) is not None:
        return None, [Problem(shown, issue.line, issue.message)]
    return text, []


def _course_folders(site: _Site, problems: list[Problem]) -> Iterator[tuple[str, str]]:
    if not os.path.isdir(site.courses_dir):
        problems.append(Problem(site.show(site.courses_dir), 0, "the courses folder is missing"))
        return
    seen: dict[str, str] = {}
    for dirname in sorted(_subfolders(site.courses_dir), key=order_key):
        shown = site.show(os.path.join(site.courses_dir, dirname))
        parts = split_name(dirname)
        if parts is None:
            problems.append(Problem(shown, 0, f"course folder name must be NN-slug ({NAME_RULE})"))
        elif parts[1] in seen:
            message = f'course slug "{parts[1]}" is already used by {seen[parts[1]]}'
            problems.append(Problem(shown, 0, message))
        else:
            seen[parts[1]] = dirname
            yield dirname, parts[1]


def _markdown_files(folder: str) -> list[str]:
    """Names of the visible `.md` files directly in `folder`, in `NN-` order."""
    names = [
        entry.name
        for entry in os.scandir(folder)
        if entry.is_file() and entry.name.endswith(".md") and not entry.name.startswith(".")
    ]
    return sorted(names, key=lambda name: order_key(name, ".md"))


def _subfolders(folder: str) -> list[str]:
    return [e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")]


def _load_course(site: _Site, dirname: str, slug: str) -> tuple[Course | None, list[Problem]]:
    folder = os.path.join(site.courses_dir, dirname)
    course_md = os.path.join(folder, "course.md")
    if not os.path.isfile(course_md):
        return None, [Problem(site.show(folder), 0, "course folder has no course.md")]
    lesson_files, problems = _lesson_files(site, folder)
    links = CourseLinks(folder, f"{site.url_prefix}/{slug}", dict(lesson_files))
    text, found = _read(course_md, site.show(course_md))
    if text is None:
        return None, problems + found
    shown = site.show(course_md)
    course_file, found = read_course_file(text, path=shown, render=FileRenderer(shown, links))
    problems += found
    lessons = _lessons(site, folder, lesson_files, links, problems)
    if not lessons:
        problems.append(Problem(shown, 0, "course has no lessons yet", "warning"))
    values = course_file.values
    template = os.path.join(folder, "certificate.html")
    course = Course(
        slug=slug,
        dirname=dirname,
        path=folder,
        title=values["title"] or slug,
        summary=values["summary"] or "",
        intro_html=course_file.intro_html,
        **{key: values[key] for key in _PLAIN_KEYS},
        lessons=tuple(lessons),
        quizzes=(),
        version="",
        certificate_template=template if os.path.isfile(template) else None,
    )
    quiz_folder = os.path.join(site.quizzes_dir, slug)
    quizzes = _quizzes(site, course, quiz_folder, links, problems)
    return replace(course, quizzes=quizzes, version=content_version(folder, quiz_folder)), problems


_PLAIN_KEYS = (
    "language",
    "status",
    "estimated_minutes",
    "pass_mark",
    "certificate",
    "certificate_valid_months",
    "sequential",
    "authors",
    "format",
)


def _lesson_files(site: _Site, folder: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """(file name, slug) of each lesson in order, and problems with the names."""
    names = [name for name in _markdown_files(folder) if name != "course.md"]
    files, problems, seen = [], [], {}
    for name in names:
        shown = site.show(os.path.join(folder, name))
        parts = split_name(name, ".md")
        if parts is None:
            problems.append(Problem(shown, 0, f"lesson file name must be NN-slug.md ({NAME_RULE})"))
        elif parts[1] in seen:
            message = f'lesson slug "{parts[1]}" is already used by {seen[parts[1]]}'
            problems.append(Problem(shown, 0, message))
        elif parts[1] in RESERVED_SLUGS:
            message = f'lesson slug "{parts[1]}" is reserved for the app\'s own pages: rename it'
            problems.append(Problem(shown, 0, message))
        else:
            seen[parts[1]] = name
            files.append((name, parts[1]))
    return files, problems


def _lessons(
    site: _Site,
    folder: str,
    files: list[tuple[str, str]],
    links: CourseLinks,
    problems: list[Problem],
) -> list[Lesson]:
    lessons = []
    for position, (filename, slug) in enumerate(files, 1):
        path = os.path.join(folder, filename)
        shown = site.show(path)
        text, found = _read(path, shown)
        problems += found
        if text is None:
            continue
        lesson, found = read_lesson(
            text,
            path=shown,
            source_path=path,
            filename=filename,
            slug=slug,
            position=position,
            render=FileRenderer(shown, links),
        )
        problems += found
        lessons.append(lesson)
    return lessons


def _quizzes(
    site: _Site, course: Course, folder: str, links: CourseLinks, problems: list[Problem]
) -> tuple[Quiz, ...]:
    if not os.path.isdir(folder):
        return ()
    quizzes, seen = [], {}
    for name in _markdown_files(folder):
        path = os.path.join(folder, name)
        shown = site.show(path)
        parts = split_name(name, ".md")
        if parts is None:
            problems.append(Problem(shown, 0, f"quiz file name must be NN-slug.md ({NAME_RULE})"))
            continue
        if parts[1] in seen:
            message = f'quiz slug "{parts[1]}" is already used by {seen[parts[1]]}'
            problems.append(Problem(shown, 0, message))
            continue
        seen[parts[1]] = name
        text, found = _read(path, shown)
        problems += found
        if text is None:
            continue
        render = FileRenderer(shown, links)
        quiz, found = quiz_parse.parse_quiz(text, path=shown, course=course, render=render)
        problems += found
        if quiz is not None:
            quizzes.append(replace(quiz, source_path=path))
    return tuple(quizzes)


def _orphan_quiz_folders(site: _Site, course_slugs: set[str]) -> list[Problem]:
    if not os.path.isdir(site.quizzes_dir):
        return []
    return [
        Problem(
            site.show(os.path.join(site.quizzes_dir, name)),
            0,
            f'quizzes for an unknown course "{name}" (no course folder is named NN-{name})',
        )
        for name in sorted(_subfolders(site.quizzes_dir))
        if name not in course_slugs
    ]
