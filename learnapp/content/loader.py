"""Load the catalogue from `courses/` and `quizzes/`: every valid course, every problem."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from types import MappingProxyType
from typing import TypeVar

from learnapp.content import frontmatter
from learnapp.content.assets import script_warnings
from learnapp.content.course import LANGUAGE_TAG, read_course_file, read_lesson
from learnapp.content.deadline import OutOfTime, deadline
from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer, nesting_columns, too_complex
from learnapp.content.model import Catalogue, Course, Lesson, Problem, Quiz
from learnapp.content.names import NAME_RULE, order_key, split_name
from learnapp.content.quiz import parse_quiz
from learnapp.content.variants import match_quiz, share_answers, split_variant, translate

# Lesson URLs are /courses/<course>/<lesson>: these names are taken by other routes.
RESERVED_SLUGS = frozenset({"assets", "quizzes", "enrol"})
# Rendering time grows with size (faster than linearly for dense Markdown): a content file
# stays well below what one lesson page may weigh anyway (SPEC §5: 60 KB compressed).
MAX_FILE_BYTES = 128 * 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """What loading may cost, per file, per course and for the whole catalogue.

    Each file within MAX_FILE_BYTES and `too_complex`'s limits renders in bounded time,
    but many such files still add up (13 dense lessons took 105 s to load): so the
    Markdown bytes and nesting (columns of indentation, > and list markers, summed over
    lines) of a course and of the catalogue are capped, and rendering runs against a
    clock. A file over a limit is an error (its course is not served; a course that was
    served stays served as it was), and once the catalogue's limits are used up the
    courses after it are not loaded.
    """

    course_bytes: int = 1024 * 1024
    catalogue_bytes: int = 8 * 1024 * 1024
    course_nesting: int = 200_000
    catalogue_nesting: int = 1_000_000
    # The worst file within the per-file limits takes ~2 s on a busy CPU: room to spare.
    file_seconds: float = 10.0
    course_seconds: float = 20.0
    catalogue_seconds: float = 60.0


@dataclass
class _Budget:
    """What the catalogue and the current course have used of the limits so far."""

    limits: Limits
    started: float = field(default_factory=time.monotonic)
    bytes: int = 0
    nesting: int = 0
    course_bytes: int = 0
    course_nesting: int = 0
    course_started: float = 0.0
    course_spent: bool = False  # a file of the course was over a limit: skip the rest
    spent: bool = False  # the catalogue's limits are used up: load no further course

    def start_course(self) -> None:
        self.course_bytes = self.course_nesting = 0
        self.course_started = time.monotonic()
        self.course_spent = False

    def charge(self, text: str, shown: str) -> Problem | None:
        """Count one file's bytes and nesting; a problem at the line that goes over a limit."""
        limits = self.limits
        for number, line in enumerate(text.split("\n"), 1):
            size, depth = len(line.encode()) + 1, nesting_columns(line)
            self.bytes, self.course_bytes = self.bytes + size, self.course_bytes + size
            self.nesting, self.course_nesting = self.nesting + depth, self.course_nesting + depth
            if self.course_bytes > limits.course_bytes:
                message = (
                    f"the course's Markdown files add up to more than"
                    f" {limits.course_bytes // 1024:,} KB here: split it into several courses"
                )
            elif self.bytes > limits.catalogue_bytes:
                message = (
                    f"all courses' Markdown files add up to more than"
                    f" {limits.catalogue_bytes // 1024:,} KB here: the courses after it are"
                    " not loaded"
                )
            elif self.course_nesting > limits.course_nesting:
                message = (
                    f"the course's lines are nested {limits.course_nesting:,} columns deep in"
                    " all by here (indentation, > quotes, list markers): flatten its lists"
                    " and quotes"
                )
            elif self.nesting > limits.catalogue_nesting:
                message = (
                    f"all courses' lines are nested {limits.catalogue_nesting:,} columns deep"
                    " in all by here (indentation, > quotes, list markers): the courses"
                    " after it are not loaded"
                )
            else:
                continue
            self.course_spent = True
            self.spent = (
                self.bytes > limits.catalogue_bytes or self.nesting > limits.catalogue_nesting
            )
            return Problem(shown, number, message)
        return None

    def run(self, shown: str, work: Callable[[], T]) -> tuple[T | None, list[Problem]]:
        """`work()` within the time left; a problem naming the limit when it runs out."""
        limits, now = self.limits, time.monotonic()
        ends = {
            "file": now + limits.file_seconds,
            "course": self.course_started + limits.course_seconds,
            "catalogue": self.started + limits.catalogue_seconds,
        }
        which = min(ends, key=ends.get)
        try:
            with deadline(ends[which]):
                return work(), []
        except OutOfTime:
            pass
        self.course_spent = True
        self.spent = which == "catalogue"
        seconds = getattr(limits, f"{which}_seconds")
        message = {
            "file": f"rendering this file took more than {seconds:g} s: simplify or split it",
            "course": (
                f"rendering the course took more than {seconds:g} s by this file:"
                " split the course or simplify its files"
            ),
            "catalogue": (
                f"rendering all courses took more than {seconds:g} s by this file:"
                " the courses after it are not loaded"
            ),
        }[which]
        return None, [Problem(shown, 1, message)]


@dataclass(frozen=True, slots=True)
class _Site:
    courses_dir: str
    quizzes_dir: str
    url_prefix: str
    root: str
    budget: _Budget

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
    limits: Limits | None = None,
) -> Catalogue:
    """Load every course; one with an error is left out and the rest are still served."""
    courses_dir, quizzes_dir = os.path.abspath(courses_dir), os.path.abspath(quizzes_dir)
    root = os.path.abspath(root) if root else os.path.dirname(courses_dir)
    budget = _Budget(limits or Limits())
    site = _Site(courses_dir, quizzes_dir, url_prefix.rstrip("/"), root, budget)
    problems: list[Problem] = []
    courses: dict[str, Course] = {}
    excluded: list[str] = []
    for dirname, slug in _course_folders(site, problems):
        if budget.spent:
            message = "not loaded: the courses before it used up the catalogue's limits"
            problems.append(Problem(site.show(os.path.join(courses_dir, dirname)), 0, message))
            excluded.append(slug)
            continue
        budget.start_course()
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


def _read(site: _Site, path: str, shown: str) -> tuple[str | None, list[Problem]]:
    """The text of a Markdown file, or None and the problem that keeps it from being read."""
    if site.budget.course_spent:
        return None, []  # the course is over a limit already: reported at that file
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
    if (problem := site.budget.charge(text, shown)) is not None:
        return None, [problem]
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
    names = _markdown_files(folder)
    lesson_files, problems = _lesson_files(site, folder, names)
    lesson_variants = _variant_files(site, folder, names, dict(lesson_files), problems)
    slugs = dict(lesson_files) | {name: slug for name, slug, _ in lesson_variants}
    links = CourseLinks(folder, f"{site.url_prefix}/{slug}", slugs)
    course_file = _course_file(site, course_md, links, problems)
    if course_file is None:
        return None, problems
    values = course_file.values
    lessons = _lessons(site, folder, lesson_files, links, problems, values["language"])
    if not lessons:
        problems.append(Problem(site.show(course_md), 0, "course has no lessons yet", "warning"))
    problems += script_warnings(folder, site.show)
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
        certificate_template=_template(folder, "certificate.html"),
    )
    quiz_folder = os.path.join(site.quizzes_dir, slug)
    quizzes, quiz_variants = _quizzes(site, course, quiz_folder, links, problems)
    course = replace(course, quizzes=quizzes, version=content_version(folder, quiz_folder))
    variants = {
        "course": [(name, "", language) for name, language in _course_variants(names)],
        "lessons": lesson_variants,
        "quizzes": quiz_variants,
    }
    return _with_translations(site, course, variants, links, problems), problems


def _course_file(
    site: _Site, path: str, links: CourseLinks, problems: list[Problem], variant: bool = False
):
    """What course.md (or a variant of it) says, or None when it cannot be read."""
    shown = site.show(path)
    text, found = _read(site, path, shown)
    problems += found
    if text is None:
        return None
    render = FileRenderer(shown, links)
    read_file = partial(read_course_file, text, path=shown, render=render, variant=variant)
    read, found = site.budget.run(shown, read_file)
    problems += found
    if read is None:
        return None
    course_file, found = read
    problems += found
    return course_file


def _template(folder: str, name: str) -> str | None:
    path = os.path.join(folder, name)
    return path if os.path.isfile(path) else None


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
    "remind_after_days",
)


def _lesson_files(
    site: _Site, folder: str, names: list[str]
) -> tuple[list[tuple[str, str]], list[Problem]]:
    """(file name, slug) of each lesson in order, and problems with the names."""
    names = [name for name in names if name != "course.md" and split_variant(name)[1] is None]
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


def _course_variants(names: list[str]) -> list[tuple[str, str]]:
    """(file name, language) of each course.xx.md."""
    split = [(name, *split_variant(name)) for name in names]
    return [(name, language) for name, base, language in split if language and base == "course.md"]


def _variant_files(
    site: _Site, folder: str, names: list[str], slugs: dict[str, str], problems: list[Problem]
) -> list[tuple[str, str, str]]:
    """(file name, slug, language) of each variant of a step; a problem for each orphan."""
    found = []
    for name in names:
        base, language = split_variant(name)
        if language is None or base == "course.md":
            continue
        if base in slugs:
            found.append((name, slugs[base], language))
        else:
            message = f"no {base} beside this {language} variant: a variant translates a step"
            problems.append(Problem(site.show(os.path.join(folder, name)), 0, message))
    return found


def _lessons(
    site: _Site,
    folder: str,
    files: list[tuple[str, str]],
    links: CourseLinks,
    problems: list[Problem],
    language: str = "",
    positions: dict[str, int] | None = None,
) -> list[Lesson]:
    lessons = []
    for position, (filename, slug) in enumerate(files, 1):
        path = os.path.join(folder, filename)
        shown = site.show(path)
        text, found = _read(site, path, shown)
        problems += found
        if text is None:
            continue
        read, found = site.budget.run(
            shown,
            partial(
                read_lesson,
                text,
                path=shown,
                source_path=path,
                filename=filename,
                slug=slug,
                position=(positions or {}).get(slug, position),
                render=FileRenderer(shown, links),
                language=language,
            ),
        )
        problems += found
        if read is None:
            continue
        lesson, found = read
        problems += found
        lessons.append(lesson)
    return lessons


def _quizzes(
    site: _Site, course: Course, folder: str, links: CourseLinks, problems: list[Problem]
) -> tuple[tuple[Quiz, ...], list[tuple[str, str, str]]]:
    """The course's quizzes, and (file name, slug, language) of their variants."""
    if not os.path.isdir(folder):
        return (), []
    quizzes, seen = [], {}
    names = _markdown_files(folder)
    for name in names:
        if split_variant(name)[1] is not None:
            continue
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
        quiz, _ = _quiz(site, course, path, links, problems)
        if quiz is not None:
            quizzes.append(replace(quiz, language=course.language))
    variants = _variant_files(site, folder, names, {v: k for k, v in seen.items()}, problems)
    return tuple(quizzes), variants


def _quiz(
    site: _Site, course: Course, path: str, links: CourseLinks, problems: list[Problem]
) -> tuple[Quiz | None, str]:
    """The quiz in a file (None when it has errors) and the file's text."""
    shown = site.show(path)
    text, found = _read(site, path, shown)
    problems += found
    if text is None:
        return None, ""
    render = FileRenderer(shown, links)
    parse = partial(parse_quiz, text, path=shown, course=course, render=render)
    read, found = site.budget.run(shown, parse)
    problems += found
    if read is None:
        return None, text
    quiz, found = read
    problems += found
    return (None if quiz is None else replace(quiz, source_path=path)), text


def _with_translations(
    site: _Site,
    course: Course,
    variants: dict[str, list[tuple[str, str, str]]],
    links: CourseLinks,
    problems: list[Problem],
) -> Course:
    """The course with each variant language's reading of it (SPEC: language variants)."""
    folders = {"course": course.path, "lessons": course.path}
    folders["quizzes"] = os.path.join(site.quizzes_dir, course.slug)
    languages: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for kind, files in variants.items():
        for name, slug, language in files:
            shown = site.show(os.path.join(folders[kind], name))
            if not LANGUAGE_TAG.match(language):
                message = f'"{language}" in the file name is not a language tag like en, fr, ar'
                problems.append(Problem(shown, 0, message))
            elif language == course.language:
                message = f"{language} is the course's own language (course.md): no variant needed"
                problems.append(Problem(shown, 0, message))
            else:
                languages.setdefault(language, {}).setdefault(kind, []).append((name, slug))
    translated = {
        language: _translation(site, course, language, files, links, problems)
        for language, files in sorted(languages.items())
    }
    quizzes = _shared_quizzes(course, translated)
    translations = {
        language: replace(
            found, quizzes=tuple(quizzes[quiz.slug][language] for quiz in found.quizzes)
        )
        for language, found in translated.items()
    }
    languages_all = (course.language, *translations)
    return replace(
        course,
        quizzes=tuple(quizzes[quiz.slug][course.language] for quiz in course.quizzes),
        languages=languages_all,
        translations=MappingProxyType(
            {key: replace(value, languages=languages_all) for key, value in translations.items()}
        ),
    )


def _translation(
    site: _Site,
    course: Course,
    language: str,
    files: dict[str, list[tuple[str, str]]],
    links: CourseLinks,
    problems: list[Problem],
) -> Course:
    course_file = None
    for name, _ in files.get("course", []):
        course_file = _course_file(site, os.path.join(course.path, name), links, problems, True)
    positions = {lesson.slug: lesson.position for lesson in course.lessons}
    lesson_files = files.get("lessons", [])
    lessons = _lessons(site, course.path, lesson_files, links, problems, language, positions)
    quiz_folder = os.path.join(site.quizzes_dir, course.slug)
    quizzes = {}
    for name, slug in files.get("quizzes", []):
        default, path = course.quiz(slug), os.path.join(quiz_folder, name)
        if default is None:
            continue  # the default file has errors, reported at it
        variant, text = _quiz(site, course, path, links, problems)
        if variant is None:
            continue
        lines = frontmatter.split(text, site.show(path))[0].lines
        shown = replace(variant, source_path=site.show(path))
        matched, found = match_quiz(default, shown, lines)
        problems += found
        if matched is not None:
            quizzes[slug] = replace(matched, source_path=path, language=language)
    values = course_file.values if course_file else {}
    return translate(
        course,
        language,
        title=values.get("title") or course.title,
        summary=values.get("summary") or course.summary,
        intro_html=course_file.intro_html if course_file else course.intro_html,
        lessons={lesson.slug: lesson for lesson in lessons},
        quizzes=quizzes,
        certificate_template=_template(course.path, f"certificate.{language}.html"),
    )


def _shared_quizzes(course: Course, translated: dict[str, Course]) -> dict[str, dict[str, Quiz]]:
    """Quiz slug -> language -> quiz, every language accepting each other's short answers."""
    shared = {}
    for quiz in course.quizzes:
        readings = {course.language: quiz}
        readings |= {
            language: found.quiz(quiz.slug)
            for language, found in translated.items()
            if found.quiz(quiz.slug) is not quiz
        }
        shared[quiz.slug] = dict(zip(readings, share_answers(readings.values()), strict=True))
        for language in translated:
            shared[quiz.slug].setdefault(language, shared[quiz.slug][course.language])
    return shared


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
