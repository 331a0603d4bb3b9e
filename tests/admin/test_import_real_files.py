"""Import files as real programs write them (issue 16): LibreOffice Calc, converting an
.ods made here to CSV with French-locale `;` separators, and Python's csv in Excel's
dialect; the Arabic name imported ends up, unchanged, on the PDF certificate."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader

from learnapp.extensions import db
from learnapp.models import Certificate, Cohort, CohortCourse, User
from tests.conftest import PASSWORD, finish_course

BOM = b"\xef\xbb\xbf"
ARABIC = "فاطمة الزهراء بن عبد الله"
PEOPLE = [
    ["fatima@example.org", ARABIC, "وزارة التربية والتعليم", "ar", "Printemps 2027"],
    ["jean@example.org", 'Dupont; Jean-François "JF"', "Ministère de l'Éducation", "fr", ""],
    ["zoe@example.org", "Zoé, Ørsted\nde la Tour", "", "en", "Printemps 2027"],
]
EXPECTED = {
    "fatima@example.org": ARABIC,
    "jean@example.org": 'Dupont; Jean-François "JF"',
    "zoe@example.org": "Zoé, Ørsted de la Tour",  # a line break in a cell: one space
}
HEADER = ["email", "name", "organisation", "language", "cohort"]
# LibreOffice's CSV filter: `;` (59), `"` (34), UTF-8 (76), from line 1, French (1036)
# number formats, ..., all sheets (-1), and the 14th token: include a byte-order mark.
LIBREOFFICE_FILTER = (
    "csv:Text - txt - csv (StarCalc):59,34,76,1,,1036,false,false,false,false,false,-1,false,true"
)
NEW = {"password": "a brand new password", "confirm": "a brand new password"}


def ods(path: Path, rows: list[list[str]]) -> None:
    """A minimal OpenDocument spreadsheet: one sheet, text cells (a line break = paragraphs)."""

    def cell(value: str) -> str:
        paragraphs = "".join(f"<text:p>{escape(p)}</text:p>" for p in value.split("\n"))
        return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'

    body = "".join(f"<table:table-row>{''.join(map(cell, r))}</table:table-row>" for r in rows)
    namespaces = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Learners">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)


def libreoffice_csv(tmp_path: Path) -> bytes:
    """The CSV that real LibreOffice writes from a spreadsheet made here."""
    program = shutil.which("libreoffice") or shutil.which("soffice")
    if program is None:
        message = "LibreOffice is missing (run `make test`: libreoffice-calc-nogui)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "learners.ods"
    ods(source, [HEADER, *PEOPLE])
    out = tmp_path / "out"
    subprocess.run(
        [
            program, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless", "--convert-to", LIBREOFFICE_FILTER, "--outdir", str(out), str(source),
        ],
        check=True, capture_output=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path), "LANG": "fr_FR.UTF-8"},
    )  # fmt: skip
    [written] = out.glob("*.csv")
    return written.read_bytes()


def excel_csv() -> bytes:
    """What Excel's "CSV UTF-8" writes: a BOM, `,`, CRLF, quotes doubled."""
    text = io.StringIO()
    csv.writer(text, dialect="excel").writerows([HEADER, *PEOPLE])
    return BOM + text.getvalue().encode()


@pytest.fixture
def cohort(app):
    made = Cohort(name="Printemps 2027")
    made.courses = [CohortCourse(course_slug="basics")]
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(role="admin", email="admin@example.org")
    client.submit("/login", {"email": admin.email, "password": PASSWORD})
    return client


def import_file(client, data: bytes) -> str:
    """Upload, check the preview, confirm; the import's page."""
    response = client.submit(
        "/admin/learners/import",
        {"file": (io.BytesIO(data), "learners.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert page.count("New account, invited") == 3, page
    assert "Error:" not in page
    assert client.submit(response.location).status_code == 303
    return response.location


def imported() -> dict[str, str]:
    db.session.expire_all()
    return {
        u.email: u.name for u in db.session.scalars(db.select(User).where(User.role == "learner"))
    }


def test_libreoffice_writes_what_we_read(admin_client, cohort, tmp_path):
    data = libreoffice_csv(tmp_path)
    assert b";" in data.splitlines()[0] and "فاطمة".encode() in data
    # LibreOffice 7.6+ writes the byte-order mark the 14th filter token asks for; Debian 12's
    # 7.4 ignores the token. Either way, the file with a BOM must read the same.
    with_bom = data if data.startswith(BOM) else BOM + data
    import_file(admin_client, with_bom)
    assert imported() == EXPECTED
    fatima = db.session.scalar(db.select(User).filter_by(email="fatima@example.org"))
    assert (fatima.language, fatima.organisation.name) == ("ar", "وزارة التربية والتعليم")


def test_libreoffice_without_a_bom_reads_the_same(admin_client, cohort, tmp_path):
    data = libreoffice_csv(tmp_path).removeprefix(BOM)
    import_file(admin_client, data)
    assert imported() == EXPECTED


def test_excel_csv_utf8_reads_the_same(admin_client, cohort):
    import_file(admin_client, excel_csv())
    assert imported() == EXPECTED


def test_an_imported_arabic_name_is_printed_on_the_certificate(admin_client, cohort, tmp_path):
    path = import_file(admin_client, excel_csv())
    result = admin_client.get(path).get_data(as_text=True)
    links = admin_client.get(re.search(r'href="([^"]+/links\.csv)"', result).group(1))
    rows = csv.DictReader(io.StringIO(links.get_data(as_text=True).lstrip("\ufeff")))
    link = next(r["invitation_link"] for r in rows if r["email"] == "fatima@example.org")
    admin_client.submit("/logout")
    welcome = admin_client.submit(link.removeprefix("https://learn.example.org"), NEW)
    assert welcome.status_code == 303  # logged in as Fatima, enrolled by the cohort
    certificate = finish_course(admin_client)
    assert certificate is not None and certificate.name == ARABIC
    pdf = admin_client.get(f"/certificates/{certificate.code}.pdf").get_data()
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    assert ARABIC in text
    assert db.session.scalar(db.select(Certificate.name)) == ARABIC
