"""Certificate codes: format, randomness, and forgiving normalisation of what people type."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learnapp.certificates.codes import ALPHABET, new_code, normalise_code

CODE = re.compile(r"^LA(-[0-9A-HJKMNP-TV-Z]{4}){5}$")


def test_new_code_has_the_printed_format():
    for _ in range(50):
        assert CODE.fullmatch(new_code())


def test_a_thousand_new_codes_are_all_different():
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000


def test_alphabet_is_crockford_base32_without_i_l_o_u():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32  # 5 bits per symbol, 20 symbols
    assert not set("ILOU") & set(ALPHABET)
    assert set(ALPHABET) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_new_codes_use_the_whole_alphabet_in_every_position():
    codes = [new_code().replace("-", "")[2:] for _ in range(1000)]
    assert all(len(code) == 20 for code in codes)
    # 1000 draws per position: each of the 32 symbols is missed with probability ~1e-13.
    for position in range(20):
        assert {code[position] for code in codes} == set(ALPHABET)


def test_normalise_code_returns_a_canonical_code_unchanged():
    code = new_code()
    assert normalise_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "la-7q3k-m2xh-9prt-4d6w-zc8n",  # lower case
        "LA 7Q3K M2XH 9PRT 4D6W ZC8N",  # spaces
        "  LA-7Q3K-M2XH-9PRT-4D6W-ZC8N\n",  # pasted with whitespace
        "LA7Q3KM2XH9PRT4D6WZC8N",  # no dashes
        "7Q3K-M2XH-9PRT-4D6W-ZC8N",  # no prefix
        "7q3km2xh9prt4d6wzc8n",  # no prefix, no dashes, lower case
        "LA–7Q3K–M2XH–9PRT–4D6W–ZC8N",  # en dashes, as some PDF viewers copy them
        "ＬＡ－７Ｑ３Ｋ－Ｍ２ＸＨ－９ＰＲＴ－４Ｄ６Ｗ－ＺＣ８Ｎ",  # full-width characters
    ],
)
def test_normalise_code_accepts_what_people_type(typed):
    assert normalise_code(typed) == "LA-7Q3K-M2XH-9PRT-4D6W-ZC8N"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("LA-O0OO-1111-2222-3333-4444", "LA-0000-1111-2222-3333-4444"),  # O read as 0
        ("LA-0000-IiLl-2222-3333-4444", "LA-0000-1111-2222-3333-4444"),  # I and L read as 1
        ("la0000 lll1 2222 3333 4444", "LA-0000-1111-2222-3333-4444"),
        # 20 symbols starting "LA" are a body (L read as 1), not a prefix and 18 symbols.
        ("LA7Q-M2XH-9PRT-4D6W-ZC8N", "LA-1A7Q-M2XH-9PRT-4D6W-ZC8N"),
    ],
)
def test_normalise_code_reads_lookalike_letters_as_digits(typed, canonical):
    assert normalise_code(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "LA-",
        "LA-7Q3K-M2XH-9PRT-4D6W",  # a group short
        "LA-7Q3K-M2XH-9PRT-4D6W-ZC8N-AAAA",  # a group too many
        "LA-7Q3K-M2XH-9PRT-4D6W-ZC8",  # one symbol short
        "LA-7Q3K-M2XH-9PRT-4D6W-ZC8NN",  # one symbol too many
        "LA-7Q3K-M2XH-9PRT-4D6W-ZC8U",  # U is not in the alphabet
        "LB-7Q3K-M2XH-9PRT-4D6W-ZC8N",  # another prefix
        "LA-7Q3K-M2XH-9PRT-4D6W-ZC8*",
        "https://learn.example.org/verify/LA-7Q3K-M2XH-9PRT-4D6W-ZC8N",
        "<script>alert(1)</script>",
        "LA-٧Q٣K-M2XH-9PRT-4D6W-ZC8N",  # Arabic-Indic digits
    ],
)
def test_normalise_code_rejects_garbage(typed):
    assert normalise_code(typed) is None


def test_normalise_code_rejects_non_strings():
    assert normalise_code(None) is None  # type: ignore[arg-type]
    assert normalise_code(b"LA-7Q3K-M2XH-9PRT-4D6W-ZC8N") is None  # type: ignore[arg-type]


@given(st.text(max_size=60))
def test_normalise_code_never_fails_and_returns_only_canonical_codes(text):
    result = normalise_code(text)
    assert result is None or CODE.fullmatch(result)


@given(st.data())
def test_normalise_code_undoes_case_spacing_and_prefix_changes(data):
    code = new_code()
    body = code[3:].replace("-", "")
    typed = data.draw(st.sampled_from([code.lower(), body, " ".join(body), code.replace("-", "")]))
    assert normalise_code(typed) == code
