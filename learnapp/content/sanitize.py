"""The HTML allow-list, and an audit of raw HTML that names what the sanitiser will strip."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TAGS = HEADINGS | {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    "var", "bdi", "bdo",
}  # fmt: skip
# No style (CSS injection; the CSP forbids it anyway) and no on* handlers, anywhere.
ATTRIBUTES: Mapping[str, set[str]] = {
    "*": {"lang", "dir", "title"},
    "a": {"href", "class"},
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "sup": {"id"},
    "li": {"id"},
    "dt": {"id"},
    "div": {"class"},
    "p": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "code": {"class"},
    "details": {"class", "open"},
    **{heading: {"id"} for heading in HEADINGS},
}
IMAGE_DEFAULTS = {"img": {"loading": "lazy", "decoding": "async"}}
# nh3 adds IMAGE_DEFAULTS in an order that changes from one process to the next (a Rust
# HashMap): put them in one order, so every worker serves the same bytes (and ETag).
_IMAGE_DEFAULTS_REORDERED = re.compile(r' decoding="async" loading="lazy"(?=[ />])')
URL_ATTRIBUTES = frozenset({"href", "src"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something in raw HTML worth telling the author; `needle` finds its source line."""

    needle: str
    message: str
    severity: str = "warning"


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")


def clean(html: str, relative: Callable[[str], str | None] | None = None) -> str:
    """Sanitise `html` with the allow-list; `relative` may rewrite relative URLs.

    An image left without alt text is marked decorative (alt=""), as screen readers expect.
    """
    cleaned = nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        set_tag_attribute_values=IMAGE_DEFAULTS,
        url_relative=relative,
    )
    cleaned = _IMAGE_DEFAULTS_REORDERED.sub(' loading="lazy" decoding="async"', cleaned)
    return _IMG_WITHOUT_ALT.sub('<img alt=""', cleaned)


def plain_text(html: str) -> str:
    """The text of sanitised `html`, tags dropped and spaces collapsed."""
    return " ".join(htmllib.unescape(nh3.clean(html, tags=set())).split())


def url_scheme(url: str) -> str | None:
    """The lower-case scheme of `url`, '' when relative, None when it cannot be parsed."""
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None


def allowed_attribute(tag: str, name: str) -> bool:
    """Whether the sanitiser keeps attribute `name` on `tag`."""
    return name in ATTRIBUTES["*"] or name in ATTRIBUTES.get(tag, ())


class RawHtmlAudit(HTMLParser):
    """Walks raw HTML blocks, reporting what `clean` will strip and collecting relative URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self.relative_urls: list[tuple[str, str]] = []  # (needle, url)
        self._stripped: set[str] = set()
        self._inside: list[str] = []  # open stripped elements: their insides go with them

    def audit(self, block: str) -> None:
        """Feed one raw HTML block (as Markdown passed it through)."""
        self._stripped, self._inside = set(), []
        self.feed(block)
        self.close()
        self.reset()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        needle = (self.get_starttag_text() or f"<{tag}").split("\n", 1)[0]
        if self._inside:
            return
        if tag not in TAGS:
            if tag not in VOID:
                self._inside.append(tag)
            if tag not in self._stripped:
                self._stripped.add(tag)
                self.findings.append(Finding(needle, f"raw HTML <{tag}> will be stripped"))
            return
        for name, value in attrs:
            self._attribute(tag, name, value or "", needle)
        if tag == "img" and "alt" not in dict(attrs):
            message = 'raw HTML <img> has no alt text; describe the image with alt="…"'
            self.findings.append(Finding(needle, message))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def _attribute(self, tag: str, name: str, value: str, needle: str) -> None:
        if name.startswith("on"):
            message = f"raw HTML event handler {name}= on <{tag}> will be stripped"
            self.findings.append(Finding(needle, message))
        elif not allowed_attribute(tag, name):
            message = f"raw HTML attribute {name}= on <{tag}> will be stripped"
            self.findings.append(Finding(needle, message))
        elif name in URL_ATTRIBUTES:
            self._url(value, needle)

    def _url(self, url: str, needle: str) -> None:
        scheme = url_scheme(url)
        if scheme is None:
            self.findings.append(Finding(needle, f"raw HTML link {url} is not a valid URL"))
        elif scheme and scheme not in SAFE_SCHEMES:
            self.findings.append(Finding(needle, f"raw HTML link to {scheme}: will be stripped"))
        elif scheme == "" and url.strip() and not url.strip().startswith("#"):
            self.relative_urls.append((needle, url))
