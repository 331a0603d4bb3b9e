"""The one Markdown renderer: extensions, link rewriting, heading levels and sanitising.

Headings: the page shows the document's title as its only `<h1>`, so the body is shifted
down until its highest heading is `top_level` (h2 by default): `# Part` becomes `<h2>`
when the lesson title comes from front matter. With `take_title=True` the first `#`
heading is the title: it is removed from the body and returned as `Rendered.title`.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from learnapp.content import sanitize
from learnapp.content.model import Problem, Severity

EXTENSIONS = [
    "tables",
    "footnotes",
    "admonition",
    "def_list",
    "toc",
    "sane_lists",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tilde",
    "pymdownx.details",
]
EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": False, "slugify": slugify_unicode},
    "pymdownx.highlight": {"use_pygments": False},
    "pymdownx.tilde": {"subscript": False},
}
PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")

# Python-Markdown's time grows with the square of nesting and of repeated headings (or it
# recurses too deep), so more than any course needs is refused before rendering (too_complex).
MAX_NESTING_COLUMNS = 100  # of indentation, > quote markers and list markers on a line
MAX_OPEN_BRACKETS = 16  # [ left open at once within one paragraph
MAX_HEADINGS = 1000  # per file (the ids of headings with the same text take quadratic time)
_HEADING_LINE = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)")
_CONTAINERS = re.compile(r"(?:[ \t>]|[-*+:](?=[ \t])|\d{1,9}[.)](?=[ \t]))*")
_BRACKETS = re.compile(r"(?<!\\)[\[\]]")


class BadLink(ValueError):
    """A relative link that cannot be served; the message says why."""


LinkResolver = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem in rendered text; `line` is 1-based in that text (0: not found)."""

    line: int
    message: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Rendered:
    """Sanitised HTML, the title taken from the first `#` heading, and the issues met."""

    html: str
    title: str | None
    issues: tuple[Issue, ...]


@dataclass
class _Found:
    needle: str
    message: str
    severity: Severity


@dataclass
class _State:
    resolve_link: LinkResolver
    top_level: int
    take_title: bool
    title: str | None = None
    found: list[_Found] = field(default_factory=list)

    def rewrite(self, url: str) -> str | None:
        """The URL to serve for `url` (None: drop it), noting any problem."""
        scheme = sanitize.url_scheme(url)
        if not url.strip() or url.strip().startswith("#") or scheme in sanitize.SAFE_SCHEMES:
            return url
        if scheme is None:
            self.found.append(_Found(url, f"link {url} is not a valid URL", "error"))
            return None
        if scheme:
            self.found.append(_Found(url, f"link to {scheme}: will be removed", "warning"))
            return None
        try:
            return self.resolve_link(url.strip())
        except BadLink as exc:
            self.found.append(_Found(url, str(exc), "error"))
            return None


def render_markdown(
    text: str,
    *,
    resolve_link: LinkResolver,
    top_level: int = 2,
    take_title: bool = False,
    inline: bool = False,
) -> Rendered:
    """Render trainer Markdown to safe HTML, rewriting relative links with `resolve_link`."""
    state = _State(resolve_link, top_level, take_title)
    md = _take_markdown(state)
    try:
        body = md.convert(text)
    except RecursionError:  # e.g. thousands of * or _ around one word
        message = "the Markdown is nested too deeply to render (such as * or _ hundreds deep)"
        return Rendered("", None, (Issue(0, message, "error"),))
    raw_urls = _audit_raw_html(md.htmlStash.rawHtmlBlocks, state)
    _idle.markdown = md  # rendered to the end: the next document may reuse it
    html = sanitize.clean(body, relative=lambda url: raw_urls.get(url, url))
    if inline:
        html = unwrap_paragraph(html)
    return Rendered(html, state.title, _locate(text, state.found))


# Building a Markdown instance with its extensions cost a tenth of rendering a lesson, so
# each thread keeps one and resets it between documents. It is taken while it renders:
# one that an exception stopped half-way (a RecursionError, a deadline's OutOfTime) may
# hold a parser's state, and is never used again.
_idle = threading.local()


def _take_markdown(state: _State) -> markdown.Markdown:
    """This thread's Markdown instance (a new one if it has none), reset, rendering for `state`."""
    md = getattr(_idle, "markdown", None)
    _idle.markdown = None
    if md is None:
        md = markdown.Markdown(
            extensions=[*EXTENSIONS, _LearnAppExtension()],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
    md.reset()
    md.treeprocessors["learnapp"].state = state
    return md


def _audit_raw_html(blocks: list, state: _State) -> dict[str, str | None]:
    audit = sanitize.RawHtmlAudit()
    for block in blocks:
        if isinstance(block, str):
            audit.audit(block)
    state.found.extend(_Found(f.needle, f.message, "warning") for f in audit.findings)
    urls: dict[str, str | None] = {}
    for needle, url in audit.relative_urls:
        before = len(state.found)
        urls[url] = state.rewrite(url)
        for index in range(before, len(state.found)):
            state.found[index].needle = needle
    return urls


def too_complex(text: str) -> Issue | None:
    """An error for the first line beyond the limits above, else None (in linear time)."""
    open_brackets = headings = 0
    for number, line in enumerate(text.split("\n"), 1):
        columns = nesting_columns(line)
        if columns > MAX_NESTING_COLUMNS:
            message = (
                f"line is nested {columns} columns deep (indentation, > quotes, list markers);"
                f" at most {MAX_NESTING_COLUMNS} are allowed: flatten it"
            )
            return Issue(number, message, "error")
        if not line.strip():
            open_brackets = 0  # inline Markdown never spans paragraphs
            continue
        headings += bool(_HEADING_LINE.match(line))
        if headings > MAX_HEADINGS:
            message = f"more than {MAX_HEADINGS} headings in one file: split it into several"
            return Issue(number, message, "error")
        for bracket in _BRACKETS.findall(line):
            open_brackets = open_brackets + 1 if bracket == "[" else max(open_brackets - 1, 0)
            if open_brackets > MAX_OPEN_BRACKETS:
                message = (
                    f"more than {MAX_OPEN_BRACKETS} [ brackets are open at once:"
                    " close them, or write \\[ for a literal ["
                )
                return Issue(number, message, "error")
    return None


def nesting_columns(line: str) -> int:
    """How deep `line` is nested: columns of indentation, > quotes and list markers."""
    return len(_CONTAINERS.match(line).group().expandtabs(4))


def unwrap_paragraph(html: str) -> str:
    """The inline HTML of a lone paragraph (for legends, labels and titles)."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _locate(text: str, found: list[_Found]) -> tuple[Issue, ...]:
    """Give each finding the source line of its needle (the nth finding, the nth hit)."""
    lines = text.split("\n")
    seen: Counter[str] = Counter()
    issues = []
    for item in found:
        hits = [number for number, line in enumerate(lines, 1) if item.needle in line]
        index = seen[item.needle]
        seen[item.needle] += 1
        line = hits[min(index, len(hits) - 1)] if hits else 0
        issues.append(Issue(line, item.message, item.severity))
    return tuple(issues)


class _LearnAppExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # After "unescape" (priority 0), so URLs and text no longer hold escape placeholders.
        md.treeprocessors.register(_ContentTreeprocessor(md), "learnapp", -10)


class _ContentTreeprocessor(Treeprocessor):
    state: _State  # of the document being rendered (set by _take_markdown)

    def run(self, root: Element) -> None:
        if self.state.take_title:
            self.state.title = self._take_title(root)
        self._shift_headings(root)
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute and element.get(attribute) is not None:
                url = self.state.rewrite(element.get(attribute, ""))
                if url is None:
                    del element.attrib[attribute]
                    element.tag = "span" if element.tag == "a" else element.tag
                else:
                    element.set(attribute, url)

    def _take_title(self, root: Element) -> str | None:
        heading = next(root.iter("h1"), None)
        if heading is None:
            return None
        parent = next(p for p in root.iter() if heading in list(p))
        _remove(parent, heading)
        return self._plain_text(heading)

    def _plain_text(self, element: Element) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks

        def raw(match: re.Match[str]) -> str:
            block = stash[int(match.group(1))]
            return block if isinstance(block, str) and block.startswith("&") else ""

        text = PLACEHOLDER.sub(raw, "".join(element.itertext()))
        return " ".join(htmllib.unescape(text).split())

    def _shift_headings(self, root: Element) -> None:
        headings = [el for el in root.iter() if el.tag in sanitize.HEADINGS]
        if not headings:
            return
        shift = self.state.top_level - min(int(el.tag[1]) for el in headings)
        for element in headings if shift > 0 else ():
            element.tag = f"h{min(6, int(element.tag[1]) + shift)}"


def _remove(parent: Element, child: Element) -> None:
    """Remove `child`, keeping the text that followed it."""
    children = list(parent)
    index = children.index(child)
    if child.tail and child.tail.strip():
        if index:
            children[index - 1].tail = (children[index - 1].tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


class Render(Protocol):
    """Renders a Markdown fragment that starts at `line` of a file (see FileRenderer)."""

    def __call__(
        self,
        text: str,
        *,
        line: int = 1,
        top_level: int = 2,
        take_title: bool = False,
        inline: bool = False,
    ) -> tuple[Rendered, list[Problem]]: ...


@dataclass(frozen=True, slots=True)
class FileRenderer:
    """Renders Markdown fragments of one file, reporting issues as that file's Problems."""

    path: str
    resolve_link: LinkResolver

    def __call__(
        self,
        text: str,
        *,
        line: int = 1,
        top_level: int = 2,
        take_title: bool = False,
        inline: bool = False,
    ) -> tuple[Rendered, list[Problem]]:
        """Render `text`, which starts at `line` of the file."""
        rendered = render_markdown(
            text,
            resolve_link=self.resolve_link,
            top_level=top_level,
            take_title=take_title,
            inline=inline,
        )
        problems = [
            Problem(
                self.path, line + issue.line - 1 if issue.line else 0, issue.message, issue.severity
            )
            for issue in rendered.issues
        ]
        return rendered, problems
