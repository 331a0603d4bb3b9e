"""Certificate PDFs: one A4 landscape page, real text, embedded fonts, a scannable QR code,
and a URL fetcher that loads nothing outside the app's static files and the course folder.

PDF renders cost ~0.1 s each, so each kind of certificate is rendered once per module.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from learnapp.certificates.render import (
    DEFAULT_ISSUER,
    CertificateContext,
    CertificateError,
    FetchRefused,
    check_fetch,
    format_date,
    format_duration,
    harfbuzz_subset_available,
    render_certificate,
    sha256_hex,
    text_direction,
)

ROOT = Path(__file__).resolve().parents[2]
STATIC = str(ROOT / "static")
RENDER_LOGGER = "learnapp.certificates.render"

LATIN_NAME = "Amélie Zoë Kowalczyk-Brontë"
ARABIC_NAME = "فاطمة الزهراء بن عبد الله"
COURSE = "Introduction to Data Analysis with Python"
CODE = "LA-7Q3K-M2XH-9PRT-4D6W-ZC8N"
VERIFY_URL = f"https://learn.example.org/verify/{CODE}"
LONG_NAME = (
    "Maria Alejandra Guadalupe de los Ángeles Fernández-Villavicencio y "
    "Castellanos-Hüttenbrenner von Saint-Exupéry Borja-Gil"
)
LONG_TITLE = (
    "Community Health Worker Training: Prevention, Early Detection and Referral of "
    "Non-Communicable Diseases in Humanitarian and Protracted Crisis Settings"
)
HOSTILE = '<img src="file:///etc/passwd">'


def make_context(**changes) -> CertificateContext:
    values = {
        "name": LATIN_NAME,
        "course_title": COURSE,
        "completed_on": datetime.date(2026, 11, 29),
        "duration_minutes": 120,
        "code": CODE,
        "verify_url": VERIFY_URL,
    }
    return CertificateContext(**{**values, **changes})


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == RENDER_LOGGER]


def image_count(reader: PdfReader) -> int:
    """Count raster images drawn on page 1, including inside form XObjects (inline SVG)."""

    def count(resources) -> int:
        total = 0
        for ref in (resources or {}).get("/XObject", {}).values():
            xobject = ref.get_object()
            if xobject["/Subtype"] == "/Image":
                total += 1
            elif "/Resources" in xobject:
                total += count(xobject["/Resources"].get_object())
        return total

    return count(reader.pages[0]["/Resources"])


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """Map each font's name on page 1 to whether its program is embedded (/FontFile2)."""
    fonts = {}
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        fonts[str(font["/BaseFont"])] = "/FontFile2" in descendant["/FontDescriptor"]
    return fonts


@pytest.fixture(scope="module")
def latin_pdf() -> bytes:
    return render_certificate(make_context(), static_dir=STATIC)


@pytest.fixture(scope="module")
def arabic_pdf() -> bytes:
    assert len(LONG_TITLE) == 150
    return render_certificate(
        make_context(name=ARABIC_NAME, course_title=LONG_TITLE, duration_minutes=90),
        static_dir=STATIC,
    )


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    assert len(LONG_NAME) == 120
    return render_certificate(
        make_context(
            name=LONG_NAME,
            course_title=LONG_TITLE,
            duration_minutes=150,
            expires_on=datetime.date(2028, 11, 29),
        ),
        static_dir=STATIC,
    )


# -- the PDF -------------------------------------------------------------------------


def test_certificate_is_one_a4_landscape_page(latin_pdf):
    reader, _ = read(latin_pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert float(box.width) == pytest.approx(841.89, abs=1)
    assert float(box.height) == pytest.approx(595.28, abs=1)


def test_certificate_text_is_extractable(latin_pdf):
    _, text = read(latin_pdf)
    for expected in (LATIN_NAME, COURSE, CODE, "Nov 29, 2026", "2 hours", DEFAULT_ISSUER):
        assert expected in text


def test_certificate_metadata_names_course_issuer_and_code(latin_pdf):
    reader, _ = read(latin_pdf)
    assert reader.metadata.title == f"Certificate — {COURSE}"
    assert reader.metadata.author == DEFAULT_ISSUER
    assert LATIN_NAME in reader.metadata.subject
    assert reader.metadata["/Keywords"] == CODE
    assert reader.trailer["/Root"]["/Lang"] == "en"  # the wording, from <html lang>


def test_certificate_embeds_the_shipped_fonts(latin_pdf):
    reader, _ = read(latin_pdf)
    fonts = embedded_fonts(reader)
    assert fonts and all(fonts.values())
    # Private family names prove the files in static/fonts were used, not system fonts.
    assert all("LearnApp-" in name for name in fonts)


def test_arabic_name_is_one_page_with_the_naskh_font_embedded(arabic_pdf):
    reader, text = read(arabic_pdf)
    assert len(reader.pages) == 1
    fonts = embedded_fonts(reader)
    assert all(fonts.values())
    assert any("LearnApp-Naskh" in name for name in fonts)
    # Extracted in logical order, whole: common ligatures are off for the name.
    assert ARABIC_NAME in text


def test_long_name_and_long_title_still_fit_on_one_page(long_pdf):
    reader, text = read(long_pdf)
    assert len(reader.pages) == 1
    assert "Valid until Nov 29, 2028" in text
    assert "2 hours 30 minutes" in text


def test_absurdly_long_text_is_clipped_rather_than_spilling_onto_a_second_page():
    pdf = render_certificate(
        make_context(name="Name " * 200, course_title="Title " * 200), static_dir=STATIC
    )
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


@pytest.mark.skipif(
    not shutil.which("pdftoppm") and not os.environ.get("CI"),  # CI must fail instead
    reason="needs poppler-utils (make test installs it)",
)
@pytest.mark.parametrize("which", ["latin_pdf", "arabic_pdf"])
def test_qr_code_scans_to_the_verification_url(which, request, tmp_path):
    import zxingcpp

    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(request.getfixturevalue(which))
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf_path,
            tmp_path / "page",
        ],
        check=True,
    )
    with Image.open(tmp_path / "page.png") as image:
        decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert decoded == [VERIFY_URL]


def test_certificate_context_is_frozen():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        make_context().name = "Someone Else"  # type: ignore[misc]


def test_sha256_hex_is_the_hex_digest_of_the_bytes(latin_pdf):
    import hashlib

    assert sha256_hex(latin_pdf) == hashlib.sha256(latin_pdf).hexdigest()
    assert len(sha256_hex(b"")) == 64


# -- what the renderer may load --------------------------------------------------------


class Listener:
    """A TCP socket on 127.0.0.1 that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def was_contacted(self) -> bool:
        try:
            connection, _ = self.sock.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def course_dir(tmp_path) -> Path:
    course = tmp_path / "courses" / "01-data"
    course.mkdir(parents=True)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(course / "logo.png")
    (course / "evil.png").symlink_to("/etc/passwd")
    return course


def test_hostile_name_is_printed_as_text_and_fetches_nothing(caplog):
    caplog.set_level(logging.WARNING)
    pdf = render_certificate(make_context(name=HOSTILE), static_dir=STATIC)
    reader, text = read(pdf)
    assert HOSTILE in text
    assert "root:" not in text
    assert image_count(reader) == 0
    assert refusals(caplog) == []  # escaped: there was no <img> to fetch at all


def test_hostile_course_template_fetches_nothing(caplog, listener, course_dir):
    caplog.set_level(logging.WARNING)
    http = f"http://127.0.0.1:{listener.port}"
    template = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{http}/linked.css">
      <style>
        @import url({http}/imported.css);
        @page {{ size: A4 landscape; margin: 0 }}
        @font-face {{ font-family: X; src: local("DejaVu Sans"), url({http}/font.ttf); }}
        body {{ background: url({http}/x.png); font-family: X, serif; }}
        .host {{ background-image: url(file:///etc/hostname); }}
      </style></head>
      <body>
        <p class="host">{{{{ name }}}} — {{{{ code }}}}</p>
        <img src="file:///etc/passwd">
        <img src="../../../../../../../../etc/group">
        <img src="evil.png">
        <svg width="10" height="10"><image href="{http}/svg.png" width="10" height="10"/></svg>
      </body></html>"""
    pdf = render_certificate(
        make_context(name=HOSTILE),
        template_html=template,
        course_dir=str(course_dir),
        static_dir=STATIC,
    )
    reader, text = read(pdf)
    assert len(reader.pages) == 1
    assert HOSTILE in text and CODE in text
    assert image_count(reader) == 0
    assert not listener.was_contacted()
    refused = "\n".join(refusals(caplog))
    for url in (
        f"{http}/linked.css",
        f"{http}/imported.css",
        f"{http}/x.png",
        f"{http}/font.ttf",
        f"{http}/svg.png",
        "file:///etc/hostname",
        "file:///etc/passwd",
        "file:///etc/group",  # ../ out of the course folder
        "evil.png",  # a symlink in the course folder pointing outside it
    ):
        assert url in refused, url


def test_course_template_can_extend_the_default_and_use_its_own_images(caplog, course_dir):
    caplog.set_level(logging.WARNING)
    template = """{% extends "certificates/certificate.html" %}
    {% block emblem %}<img src="logo.png" alt="" style="width: 17mm">{% endblock %}"""
    pdf = render_certificate(
        make_context(), template_html=template, course_dir=str(course_dir), static_dir=STATIC
    )
    reader, text = read(pdf)
    assert len(reader.pages) == 1 and LATIN_NAME in text
    assert image_count(reader) == 1  # the course's logo
    assert refusals(caplog) == []


def test_course_template_cannot_reach_python_internals():
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        render_certificate(
            make_context(),
            template_html="{{ name.__class__.__mro__[1].__subclasses__() }}",
            static_dir=STATIC,
        )


def test_course_template_of_two_pages_is_rejected_with_a_clear_message():
    template = """<style>@page { size: A4 landscape }</style>
    <p style="break-after: page">{{ name }}</p><p>{{ code }}</p>"""
    with pytest.raises(CertificateError, match="renders 2 pages"):
        render_certificate(make_context(), template_html=template, static_dir=STATIC)


def test_course_template_in_portrait_is_rejected():
    template = "<style>@page { size: A4 portrait }</style><p>{{ name }}</p>"
    with pytest.raises(CertificateError, match="A4 landscape"):
        render_certificate(make_context(), template_html=template, static_dir=STATIC)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.org/x.png",
        "ftp://example.org/x.png",
        "file:///etc/passwd",
        "file://otherhost/static/fonts/NotoSans-Regular.ttf",
        f"file://{STATIC}/fonts/../../pyproject.toml",
        f"file://{STATIC}/fonts/%2E%2E/%2E%2E/pyproject.toml",
        f"file://{STATIC}/fonts",  # the folder itself
        f"file://{STATIC}/fonts/missing.ttf",
        f"file://{STATIC}/css/app.css",  # static, but neither fonts nor img
        "javascript:alert(1)",
        "/etc/passwd",
    ],
)
def test_check_fetch_refuses_everything_outside_the_allowed_folders(url):
    roots = (os.path.realpath(f"{STATIC}/fonts"), os.path.realpath(f"{STATIC}/img"))
    with pytest.raises(FetchRefused):
        check_fetch(url, roots)


def test_check_fetch_allows_static_fonts_course_files_and_data_uris(course_dir):
    roots = (os.path.realpath(f"{STATIC}/fonts"), os.path.realpath(str(course_dir)))
    font = f"{STATIC}/fonts/NotoSans-Regular.ttf"
    assert check_fetch(f"file://{font}", roots) == os.path.realpath(font)
    assert check_fetch(f"file://{course_dir}/logo.png?v=2", roots) == os.path.realpath(
        course_dir / "logo.png"
    )
    assert check_fetch("data:image/png;base64,iVBORw0KGgo=", roots) is None
    with pytest.raises(FetchRefused):
        check_fetch(f"file://{course_dir}/evil.png", roots)  # symlink out of the course


# -- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, None),
        (0, None),
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "90 minutes"),
        (120, "2 hours"),
        (150, "2 hours 30 minutes"),
        (181, "3 hours 1 minute"),
    ],
)
def test_format_duration(minutes, text):
    assert format_duration(minutes) == text


def test_format_date_is_the_medium_date_in_english():
    assert format_date(datetime.date(2026, 11, 29)) == "Nov 29, 2026"
    assert format_date(datetime.date(2027, 1, 5)) == "Jan 5, 2027"


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        (LATIN_NAME, "ltr"),
        (ARABIC_NAME, "rtl"),
        ("שרה כהן", "rtl"),
        ("(فاطمة) Smith", "rtl"),
        ("123 Smith فاطمة", "ltr"),
        ("1234", "ltr"),
    ],
)
def test_text_direction_follows_the_first_strong_character(text, direction):
    assert text_direction(text) == direction


def test_harfbuzz_subset_detection_agrees_with_weasyprint():
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    expected = harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))
    assert harfbuzz_subset_available() is expected


def test_importing_the_renderer_does_not_import_weasyprint():
    code = (
        "import sys, types\n"
        "package = types.ModuleType('learnapp')\n"
        f"package.__path__ = [{str(ROOT / 'learnapp')!r}]\n"
        "sys.modules['learnapp'] = package  # only this module, not the whole app\n"
        "import learnapp.certificates.render\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
