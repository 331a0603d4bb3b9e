"""The bulk-import file, read: a CSV of `email, name, organisation, language, cohort`.

PURE: bytes in, frozen dataclasses out; no Flask, no database. It reads what Excel and
LibreOffice write: UTF-8 with or without a byte-order mark, `,` or `;` (or tab) between
fields, quoted fields with separators, quotes and line breaks inside. Problems are
`Problem`s with a line number and a code; the page words them in the reader's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

COLUMNS = ("email", "name", "organisation", "language", "cohort")
REQUIRED = ("email", "name")
# Header cells as people write them (any case, spaces and dashes ignored) → the column.
ALIASES = {
    "email": "email",
    "mail": "email",
    "emailaddress": "email",
    "courriel": "email",
    "adresseemail": "email",
    "name": "name",
    "fullname": "name",
    "nom": "name",
    "nomcomplet": "name",
    "organisation": "organisation",
    "organization": "organisation",
    "language": "language",
    "langue": "language",
    "cohort": "cohort",
    "cohorte": "cohort",
}
DELIMITERS = ",;\t"
MAX_ROWS = 20_000
MAX_LENGTHS = {"email": 254, "name": 120, "organisation": 200, "language": 10, "cohort": 200}


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: `code` names the problem, `value` the offending text."""

    line: int  # 1-based line of the file where the record starts (0: the file itself)
    code: str
    value: str = ""
    other_line: int = 0  # for "duplicate": the line where the e-mail came first


@dataclass(frozen=True)
class Row:
    """One learner as the file gives them (spaces trimmed; `language` lower-case, may be
    empty; `email_key` is how addresses compare)."""

    line: int
    email: str
    name: str
    organisation: str
    language: str
    cohort: str

    @property
    def email_key(self) -> str:
        return self.email.lower()


@dataclass(frozen=True)
class ImportFile:
    """The rows that can be imported and the problems of the others (by line)."""

    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]  # line 0 problems mean nothing could be read
    delimiter: str = ","
    had_bom: bool = False

    @property
    def readable(self) -> bool:
        return not any(problem.line == 0 for problem in self.problems)


def _fail(code: str, value: str = "") -> ImportFile:
    return ImportFile((), (Problem(0, code, value),))


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.strip().lower() if ch.isalnum())


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's dialect with the file's separator, sniffed from its first lines.

    Only the separator is taken from the sniffer: Excel and LibreOffice always quote with
    `"` and double a quote inside a field, which a sample without one cannot show.
    """
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column only, or a sample the sniffer cannot settle: the header decides.
        first = text.splitlines()[0] if text else ""
        delimiter = max(DELIMITERS, key=first.count)
        delimiter = delimiter if first.count(delimiter) else ","

    class Sniffed(csv.excel):
        pass

    Sniffed.delimiter = delimiter
    return Sniffed


def _language(value: str) -> str:
    """`fr`, `FR`, `fr-FR`, `fr_CH` → `fr`."""
    return value.strip().lower().replace("_", "-").split("-")[0]


def parse(data: bytes, languages: Iterable[str]) -> ImportFile:
    """Read an import file; every row is either in `rows` or has a `Problem`."""
    languages = tuple(languages)
    had_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _fail("not_utf8")
    if "\x00" in text:
        return _fail("not_utf8")
    if not text.strip():
        return _fail("empty")
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        records = list(_numbered(reader))
    except csv.Error:
        return _fail("malformed", str(reader.line_num))
    records = [(line, record) for line, record in records if any(c.strip() for c in record)]
    if not records:
        return _fail("empty")
    header_line, header = records[0]
    columns = [ALIASES.get(_header_key(cell)) for cell in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return _fail("header", ", ".join(missing))
    if len(records) - 1 > MAX_ROWS:
        return _fail("too_many", str(MAX_ROWS))
    position = {name: columns.index(name) for name in COLUMNS if name in columns}
    rows, problems, seen = [], [], {}
    for line, record in records[1:]:
        if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
            problems.append(Problem(line, "columns", str(len(record))))
            continue
        values = {
            name: (record[index].strip() if index < len(record) else "")
            for name, index in position.items()
        }
        row = Row(
            line=line,
            email=values["email"],
            name=" ".join(values["name"].split()),
            organisation=" ".join(values.get("organisation", "").split()),
            language=_language(values.get("language", "")),
            cohort=" ".join(values.get("cohort", "").split()),
        )
        problem = _check(row, languages, seen)
        if problem:
            problems.append(problem)
        else:
            seen[row.email_key] = line
            rows.append(row)
    return ImportFile(tuple(rows), tuple(problems), dialect.delimiter, had_bom)


def _numbered(reader) -> Iterable[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted field may span several lines;
    csv counts the lines it has read so far)."""
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _check(row: Row, languages: tuple[str, ...], seen: dict[str, int]) -> Problem | None:
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(row, name)) > limit:
            return Problem(row.line, "too_long", name)
    if not row.email:
        return Problem(row.line, "no_email")
    try:
        validate_email(row.email, check_deliverability=False)
    except EmailNotValidError:
        return Problem(row.line, "bad_email", row.email)
    if row.email_key in seen:
        return Problem(row.line, "duplicate", row.email, seen[row.email_key])
    if not row.name:
        return Problem(row.line, "no_name")
    if row.language and row.language not in languages:
        return Problem(row.line, "bad_language", row.language)
    return None
