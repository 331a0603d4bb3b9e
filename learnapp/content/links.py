"""Where a relative link in a course's Markdown points: a lesson page or a course asset."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from learnapp.content.markdown import BadLink
from learnapp.content.names import split_name


@dataclass(frozen=True, slots=True)
class CourseLinks:
    """Resolves links relative to one course folder (quizzes use their course's folder too)."""

    folder: str
    course_url: str
    lesson_slugs: Mapping[str, str]  # lesson file name -> slug

    def __call__(self, url: str) -> str:
        """The served URL for a relative `url`; raises BadLink when it escapes or is missing."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise BadLink(f"link {url} is not a valid URL") from exc
        path = unquote(parts.path)
        suffix = (f"?{parts.query}" if parts.query else "") + (
            f"#{parts.fragment}" if parts.fragment else ""
        )
        if not path:
            return url
        if path.startswith(("/", "\\")) or parts.netloc:
            raise BadLink(f"link {url} is an absolute path: use a path relative to the course")
        relative = posixpath.normpath(path.replace("\\", "/"))
        if relative == ".." or relative.startswith("../"):
            raise BadLink(f"link {url} points outside the course folder")
        if any(part.startswith(".") and part != "." for part in relative.split("/")):
            raise BadLink(f"link {url} points at a hidden file")
        if any(ord(char) < 32 for char in relative):
            raise BadLink(f"link {url!r} has control characters in it")
        return self._target(relative, url) + suffix

    def _target(self, relative: str, url: str) -> str:
        if relative in self.lesson_slugs:
            return f"{self.course_url}/{self.lesson_slugs[relative]}"
        renumbered = split_name(relative, ".md")
        if renumbered and renumbered[1] in self.lesson_slugs.values():
            return f"{self.course_url}/{renumbered[1]}"  # the lesson kept its slug
        if relative == "course.md":
            return self.course_url
        real_folder = os.path.realpath(self.folder)
        real = os.path.realpath(os.path.join(real_folder, relative))
        if os.path.commonpath([real_folder, real]) != real_folder:
            raise BadLink(f"link {url} points outside the course folder")
        if os.path.isdir(real):
            raise BadLink(f"link {url} points at a folder, not a file")
        if not os.path.isfile(real):
            raise BadLink(f"broken link {url}: no such file in the course folder")
        return f"{self.course_url}/assets/{quote(relative)}"
