"""Certificate PDFs: plain values in, PDF bytes out (SPEC §3, STYLE habit 11).

Pure: no Flask, no SQLAlchemy. The HTML comes from a Jinja2 template (the app's
``certificates/certificate.html`` or a course's own ``certificate.html``) and is laid out
by WeasyPrint through a locked-down URL fetcher that serves only ``data:`` URIs, the
app's ``static/fonts`` and ``static/img`` and the course folder. WeasyPrint is imported
inside the functions that need it, so web workers pay for it only when they render.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime
import functools
import hashlib
import logging
import mimetypes
import os
import threading
import traceback
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import babel.dates
import babel.support
import babel.units
import jinja2
import segno
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from learnapp.content.model import Problem

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

log = logging.getLogger(__name__)

StrPath = str | os.PathLike[str]

DEFAULT_ISSUER = "LearningAlliance — Building Knowledge Across Borders, Geneva"
DEFAULT_TEMPLATES_DIR = str(Path(__file__).resolve().parent.parent / "templates")
TRANSLATIONS_DIR = str(Path(__file__).resolve().parent.parent / "translations")
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
TEMPLATE_NAME = "certificates/certificate.html"

# A4 landscape in CSS px (96 per inch), with a little slack for rounding.
_A4_LANDSCAPE_PX = (297 / 25.4 * 96, 210 / 25.4 * 96)
_PAGE_TOLERANCE_PX = 2.0

# Font-size classes by length; the template maps each class to a size. Chosen so that a
# 120-character name and a 150-character course title still fit on the one page.
_NAME_FIT = ((28, "xl"), (44, "l"), (72, "m"), (130, "s"))
_TITLE_FIT = ((56, "xl"), (96, "l"), (150, "m"), (220, "s"))


@dataclass(frozen=True)
class CertificateContext:
    """What a certificate says, as printed: plain values, never ORM objects."""

    name: str
    course_title: str
    completed_on: datetime.date
    duration_minutes: int | None
    code: str
    verify_url: str
    issuer: str = DEFAULT_ISSUER
    language: str = "en"  # what the certificate is worded in: en, fr or ar
    expires_on: datetime.date | None = None
    course_language: str = ""  # the course title's language, when not `language`


class CertificateError(Exception):
    """A certificate template cannot be rendered as one A4 landscape page."""


class FetchRefused(ValueError):
    """The certificate renderer was asked to load something it must not load."""


def render_certificate(
    ctx: CertificateContext,
    *,
    template_html: str | None = None,
    course_dir: StrPath | None = None,
    static_dir: StrPath,
    templates_dir: StrPath = DEFAULT_TEMPLATES_DIR,
) -> bytes:
    """Render the certificate for ``ctx`` as the bytes of a one-page A4 landscape PDF."""
    html = certificate_html(
        ctx,
        template_html=template_html,
        course_dir=course_dir,
        static_dir=static_dir,
        templates_dir=templates_dir,
    )
    from weasyprint import HTML

    fetcher = _locked_fetcher_class()(_allowed_roots(static_dir, course_dir))
    base_dir = course_dir if template_html is not None and course_dir else static_dir
    document = HTML(string=html, base_url=_dir_url(base_dir), url_fetcher=fetcher).render(
        # Reusing the font configuration saves ~35 % per render; only for the app's own
        # template, so a course's @font-face rules never leak into other certificates.
        font_config=_shared_font_config() if template_html is None else None,
    )
    _check_one_a4_landscape_page(document, course_template=template_html is not None)
    # Set here, not only in the template, so course templates get them too.
    _ = translations(ctx.language).gettext
    document.metadata.title = _("Certificate — %(title)s") % {"title": ctx.course_title}
    document.metadata.authors = [ctx.issuer]
    document.metadata.description = _(
        "Certificate of completion of “%(title)s” awarded to %(name)s on %(date)s."
        " Verify at %(url)s"
    ) % {
        "title": ctx.course_title,
        "name": ctx.name,
        "date": format_date(ctx.completed_on, ctx.language),
        "url": ctx.verify_url,
    }
    document.metadata.keywords = [ctx.code]
    # The document language comes from the template's <html lang>: `ctx.language`.
    return document.write_pdf()


# Sample learners for checking a course's template: a long Latin name and an Arabic one.
SAMPLE_NAMES = (
    "Maximiliana Alexandra Bartholomew-Okonkwo de la Fuente y Hohenzollern",
    "فاطمة الزهراء بنت عبد الرحمن الهاشمي",
)


def template_problems(
    template_path: StrPath,
    *,
    course_title: str,
    course_dir: StrPath,
    static_dir: StrPath,
    language: str = "en",
) -> list[Problem]:
    """Render a course's certificate template with sample values; what fails, as Problems."""
    path = os.fspath(template_path)
    try:
        template_html = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [Problem(path, 0, f"cannot read the certificate template: {error}")]
    for name in SAMPLE_NAMES:
        ctx = CertificateContext(
            name=name,
            course_title=course_title,
            completed_on=datetime.date(2026, 12, 31),
            duration_minutes=90,
            code="LA-7Q3K-M2XH-9PRT-4D6W-ZC8N",
            verify_url="https://learn.example.org/verify/LA-7Q3K-M2XH-9PRT-4D6W-ZC8N",
            language=language,
        )
        try:
            render_certificate(
                ctx, template_html=template_html, course_dir=course_dir, static_dir=static_dir
            )
        except jinja2.TemplateSyntaxError as error:
            return [Problem(path, error.lineno or 0, f"template syntax: {error.message}")]
        except CertificateError as error:
            return [Problem(path, 0, f"{error} (with the sample name {name!r})")]
        except Exception as error:  # what the learner's completion would have hit
            line = _template_line(error)
            return [Problem(path, line, f"cannot render: {type(error).__name__}: {error}")]
    return []


def _template_line(error: BaseException) -> int:
    """The template line a Jinja runtime error was raised at (0 if unknown)."""
    frames = traceback.extract_tb(error.__traceback__)
    lines = [frame.lineno for frame in frames if frame.filename == "<template>"]
    return lines[-1] if lines and lines[-1] else 0


def certificate_html(
    ctx: CertificateContext,
    *,
    template_html: str | None = None,
    course_dir: StrPath | None = None,
    static_dir: StrPath,
    templates_dir: StrPath = DEFAULT_TEMPLATES_DIR,
) -> str:
    """Return the certificate's HTML, from the app's template or a course's own."""
    env = _jinja_env(os.fspath(templates_dir))
    template = (
        env.get_template(TEMPLATE_NAME) if template_html is None else env.from_string(template_html)
    )
    return template.render(**template_values(ctx, static_dir=static_dir, course_dir=course_dir))


def template_values(
    ctx: CertificateContext, *, static_dir: StrPath, course_dir: StrPath | None = None
) -> dict[str, Any]:
    """Return the variables a certificate template sees (documented for course authors)."""
    words = translations(ctx.language)
    return {
        # The shipped template's wording in the certificate's language.
        "_": words.gettext,
        "page_dir": "rtl" if ctx.language.split("-")[0] in RTL_LANGUAGES else "ltr",
        "title_language": ctx.course_language or ctx.language,
        "ctx": ctx,
        "name": ctx.name,
        "course_title": ctx.course_title,
        "code": ctx.code,
        "verify_url": ctx.verify_url,
        # Split after the last "/" so a long URL wraps before the code, not inside it.
        "verify_url_head": ctx.verify_url[: ctx.verify_url.rfind("/") + 1],
        "verify_url_tail": ctx.verify_url[ctx.verify_url.rfind("/") + 1 :],
        "issuer": ctx.issuer,
        "language": ctx.language,
        "completed_on": format_date(ctx.completed_on, ctx.language),
        "completed_on_iso": ctx.completed_on.isoformat(),
        "expires_on": format_date(ctx.expires_on, ctx.language) if ctx.expires_on else None,
        "duration": format_duration(ctx.duration_minutes, ctx.language),
        "name_dir": text_direction(ctx.name),
        "title_dir": text_direction(ctx.course_title),
        "name_fit": _fit(ctx.name, _NAME_FIT),
        "title_fit": _fit(ctx.course_title, _TITLE_FIT),
        "qr_svg": qr_svg(ctx.verify_url),
        "static_url": _dir_url(static_dir),
        "course_url": _dir_url(course_dir) if course_dir else None,
    }


def qr_svg(data: str) -> Markup:
    """Return an inline ``<svg>`` QR code (error correction M) for ``data``."""
    qr = segno.make(data, error="m", micro=False)
    svg = qr.svg_inline(border=2, dark="#0b2a3a", light="#ffffff", omitsize=True)
    return Markup(svg)


def format_date(day: datetime.date, locale: str = "en") -> str:
    """The UI's medium date (Babel's ``medium``), e.g. ``Nov 29, 2026``, ``29 nov. 2026``.

    The same as the pages' `date` filter in that language (Arabic: Western digits).
    """
    return babel.dates.format_date(day, format="medium", locale=locale)


def format_duration(minutes: int | None, locale: str = "en") -> str | None:
    """Write a study time out: ``45 minutes``, ``90 minutes``, ``2 hours 30 minutes``."""
    if minutes is None or minutes <= 0:
        return None
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return _unit(hours, "hour", locale)
    if minutes < 120:
        return _unit(minutes, "minute", locale)
    return f"{_unit(hours, 'hour', locale)} {_unit(rest, 'minute', locale)}"


@functools.cache
def translations(language: str) -> babel.support.Translations:
    """The app's message catalogue for `language` (English: the messages as written)."""
    return babel.support.Translations.load(TRANSLATIONS_DIR, [language])


def text_direction(text: str) -> str:
    """Return ``rtl`` or ``ltr`` from the first strongly directional character (HTML dir=auto)."""
    # WeasyPrint does not implement dir="auto" or unicode-bidi: plaintext, so decide here.
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


def sha256_hex(pdf_bytes: bytes) -> str:
    """Return the SHA-256 of a PDF as 64 lower-case hex digits."""
    return hashlib.sha256(pdf_bytes).hexdigest()


def harfbuzz_subset_available() -> bool:
    """Tell whether WeasyPrint can subset fonts with HarfBuzz (else fontTools, ~8× slower)."""
    # Mirrors weasyprint.text.ffi without importing WeasyPrint; it also needs HarfBuzz ≥ 4.1.
    names = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
    for name in (*names, None):
        # None: last resort, ask the platform's linker search (runs ldconfig on Linux).
        name = name or ctypes.util.find_library("harfbuzz-subset")
        if not name:
            return False
        try:
            subset = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            at_least = subset.hb_version_atleast  # libharfbuzz-subset links libharfbuzz
        except AttributeError:
            return True
        at_least.restype = ctypes.c_int
        return bool(at_least(4, 1, 0))
    return False


def check_fetch(url: str, roots: tuple[str, ...]) -> str | None:
    """Return the real path a ``file:`` URL may be read from, None for ``data:``, or refuse.

    Raises FetchRefused for any other scheme, for a file outside ``roots`` (after
    resolving ``..`` and symlinks with realpath) and for anything that is not a file.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return None
    if scheme != "file":
        raise FetchRefused(f"scheme {scheme or '(none)'!r} is not allowed")
    if parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"remote file host {parts.netloc!r} is not allowed")
    path = os.path.realpath(url2pathname(parts.path))  # url2pathname also %-decodes
    for root in roots:
        if os.path.commonpath((root, path)) == root and path != root:
            if not os.path.isfile(path):
                raise FetchRefused("not a regular file")
            return path
    raise FetchRefused("outside the static fonts, static images and course folder")


def locked_fetcher(static_dir: StrPath, course_dir: StrPath | None = None):
    """A WeasyPrint URL fetcher for any PDF of ours: data: URIs, static fonts and images,
    and the course folder; nothing else, never the network."""
    return _locked_fetcher_class()(_allowed_roots(static_dir, course_dir))


def _allowed_roots(static_dir: StrPath, course_dir: StrPath | None) -> tuple[str, ...]:
    dirs = [os.path.join(static_dir, "fonts"), os.path.join(static_dir, "img")]
    if course_dir:
        dirs.append(course_dir)
    return tuple(os.path.realpath(d) for d in dirs)


@functools.cache
def _locked_fetcher_class() -> type:
    # Built on first use so that importing this module does not import WeasyPrint.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LockedFetcher(URLFetcher):
        """WeasyPrint URL fetcher that serves data: URIs and files under given roots only."""

        def __init__(self, roots: tuple[str, ...]) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.roots = roots
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            try:
                path = check_fetch(url, self.roots)
            except FetchRefused as refusal:
                self.refused.append(url)
                log.warning("certificate renderer refused to fetch %.200s: %s", url, refusal)
                raise
            if path is None:  # data: URI, decoded by urllib's DataHandler
                return super().fetch(url, headers)
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as file:
                body = file.read()
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return LockedFetcher


_local = threading.local()


def _shared_font_config() -> Any:
    # One per thread: WeasyPrint's font configuration is not documented as thread-safe.
    font_config = getattr(_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _local.font_config = FontConfiguration()
    return font_config


@functools.cache
def _jinja_env(templates_dir: str) -> jinja2.Environment:
    # Sandboxed because courses may bring their own template; autoescaped because the
    # learner's name is user input.
    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _check_one_a4_landscape_page(document: Any, *, course_template: bool) -> None:
    where = "the course's certificate.html" if course_template else TEMPLATE_NAME
    if len(document.pages) != 1:
        raise CertificateError(
            f"{where} renders {len(document.pages)} pages; a certificate must fit on one page"
        )
    page = document.pages[0]
    width, height = _A4_LANDSCAPE_PX
    if abs(page.width - width) > _PAGE_TOLERANCE_PX or abs(page.height - height) > (
        _PAGE_TOLERANCE_PX
    ):
        raise CertificateError(
            f"{where} renders a {page.width * 0.75:.0f}×{page.height * 0.75:.0f} pt page; "
            "use @page { size: A4 landscape }"
        )


def _dir_url(directory: StrPath) -> str:
    return Path(os.path.realpath(directory)).as_uri() + "/"


def _fit(text: str, classes: tuple[tuple[int, str], ...]) -> str:
    length = len(text)
    for limit, name in classes:
        if length <= limit:
            return name
    return "xs"


def _unit(count: int, unit: str, locale: str) -> str:
    return babel.units.format_unit(count, f"duration-{unit}", length="long", locale=locale)
