"""The bulk-import file, read by the pure parser (no app, no database)."""

from __future__ import annotations

import csv
import io

import pytest

from learnapp.admin.importfile import MAX_ROWS, parse

LANGUAGES = ("en", "fr", "ar")
HEADER = ["email", "name", "organisation", "language", "cohort"]
PEOPLE = [
    ["amina@example.org", "أمينة حداد", "وزارة التربية", "ar", "Printemps 2027"],
    ["jean@example.org", "Dupont, Jean-François", "Ministère de l'Éducation", "FR", ""],
    ["zoe@example.org", 'Zoé "Zo" Ørsted', "", "", "Printemps 2027"],
]


def written(rows, delimiter=",", bom=False, dialect="excel") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, dialect=dialect, delimiter=delimiter)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [True, False])
def test_excel_files_read_the_same_with_any_separator_and_bom(delimiter, bom):
    parsed = parse(written([HEADER, *PEOPLE], delimiter, bom), LANGUAGES)
    assert parsed.problems == ()
    assert parsed.delimiter == delimiter and parsed.had_bom == bom
    assert [
        (r.line, r.email, r.name, r.organisation, r.language, r.cohort) for r in parsed.rows
    ] == [
        (2, *PEOPLE[0]),
        (3, "jean@example.org", "Dupont, Jean-François", "Ministère de l'Éducation", "fr", ""),
        (4, "zoe@example.org", 'Zoé "Zo" Ørsted', "", "", "Printemps 2027"),
    ]


def test_a_quoted_field_over_two_lines_keeps_later_line_numbers_true():
    data = b'email;name\r\na@example.org;"Line\r\nbreak"\r\nnot-an-email;B\r\n'
    parsed = parse(data, LANGUAGES)
    assert [r.name for r in parsed.rows] == ["Line break"]
    assert [(p.line, p.code) for p in parsed.problems] == [(4, "bad_email")]


def test_columns_in_any_order_with_french_headers_and_optional_ones_missing():
    parsed = parse(written([["Nom", "Courriel"], ["Léa Martin", "lea@example.org"]]), LANGUAGES)
    assert parsed.problems == ()
    (row,) = parsed.rows
    assert (row.email, row.name, row.organisation, row.cohort) == (
        "lea@example.org",
        "Léa Martin",
        "",
        "",
    )


def test_each_bad_row_says_its_line_and_why_and_the_good_ones_stay():
    rows = [
        HEADER,
        ["ok@example.org", "Good", "", "", ""],
        ["", "No Address", "", "", ""],
        ["nobody", "Bad Address", "", "", ""],
        ["OK@example.org", "Twice", "", "", ""],
        ["noname@example.org", "  ", "", "", ""],
        ["lang@example.org", "Lang", "", "de", ""],
        ["long@example.org", "x" * 121, "", "", ""],
        ["extra@example.org", "Extra", "", "", "", "surplus"],
        ["", "", "", "", ""],  # a blank record: ignored
        ["fr@example.org", "Région", "", "fr-CH", ""],
    ]
    parsed = parse(written(rows), LANGUAGES)
    assert [(p.line, p.code, p.value) for p in parsed.problems] == [
        (3, "no_email", ""),
        (4, "bad_email", "nobody"),
        (5, "duplicate", "OK@example.org"),
        (6, "no_name", ""),
        (7, "bad_language", "de"),
        (8, "too_long", "name"),
        (9, "columns", "6"),
    ]
    assert parsed.problems[2].other_line == 2
    assert [(r.line, r.language) for r in parsed.rows] == [(2, ""), (11, "fr")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("email;name\nÉloïse@example.org;Éloïse\n".encode("cp1252"), "not_utf8"),
        ("email,name\n".encode("utf-16"), "not_utf8"),
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n \r\n", "empty"),
        (b"email,nom_de_famille\na@example.org,X\n", "header"),
        (b'email,name\na@example.org,"never closed\n', "malformed"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem_on_line_0(data, code):
    parsed = parse(data, LANGUAGES)
    assert not parsed.readable and parsed.rows == ()
    assert [(p.line, p.code) for p in parsed.problems] == [(0, code)]


def test_too_many_rows_are_refused_whole():
    rows = [["email", "name"]] + [[f"p{i}@example.org", "P"] for i in range(MAX_ROWS + 1)]
    assert [p.code for p in parse(written(rows), LANGUAGES).problems] == ["too_many"]
