"""Every UI string has a complete French and Arabic translation, and the catalogues
match the code and templates (issue 8).

After adding or changing a UI string: `make messages`, translate the new entries in
learnapp/translations/{fr,ar}/LC_MESSAGES/messages.po, then `make translations`.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.i18n.conftest import LANGUAGES, ROOT, TRANSLATIONS, po_path

# The same keywords as `make messages`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>\w+)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)
MARKUP = re.compile(r"<[^>]+>|&#?\w+;")
ARABIC_PLURAL = "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5"
# Numbers whose plural form must show the count (Arabic may spell out zero, one and two).
SAMPLE_NUMBERS = [*range(3, 250), 1000, 1001, 1_000_000, 2_000_000]


def load(path):
    with open(path, "rb") as source:
        return read_po(source)


def entries(catalog):
    return {message.id: message for message in catalog if message.id}


def extracted_ids() -> set:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(tuple(message) if isinstance(message, (list, tuple)) else message)
    return ids


def placeholders(text: str) -> tuple[set, Counter, int]:
    """(named placeholders, unnamed conversions, stray '%' count) of a format string."""
    named, unnamed = set(), Counter()
    for match in PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"]:
            named.add((match["name"], match["conv"]))
        else:
            unnamed[match["conv"]] += 1
    stray = PLACEHOLDER.sub("", text).count("%")
    return named, unnamed, stray


def source_forms(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def translated_forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.fixture(scope="module")
def template():
    return load(TRANSLATIONS / "messages.pot")


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request):
    return request.param, load(po_path(request.param))


def test_template_and_catalogues_are_up_to_date_with_the_code(template):
    """A string added to (or removed from) the code or templates fails here until
    `make messages` has been run and the new entries translated."""
    source = extracted_ids()
    assert source, "no UI string extracted: babel.cfg or the keywords are wrong"
    in_template = set(entries(template))
    assert source - in_template == set(), "not in messages.pot: run `make messages`"
    assert in_template - source == set(), "stale in messages.pot: run `make messages`"
    for language in LANGUAGES:
        in_catalogue = set(entries(load(po_path(language))))
        assert source - in_catalogue == set(), f"missing from {language}: run `make messages`"
        assert in_catalogue - source == set(), f"stale in {language}: run `make messages`"


def test_every_entry_is_translated_and_reviewed(catalogue):
    language, catalog = catalogue
    problems = []
    for msgid, message in entries(catalog).items():
        forms = translated_forms(message)
        if message.fuzzy:
            problems.append(("fuzzy", msgid))
        if isinstance(msgid, tuple) and len(forms) != catalog.num_plurals:
            problems.append((f"{len(forms)} of {catalog.num_plurals} plural forms", msgid))
        if not all(form.strip() for form in forms):
            problems.append(("empty", msgid))
    assert problems == [], f"{language}: {problems}"


def test_translations_keep_placeholders_and_markup(catalogue):
    language, catalog = catalogue
    choose = gettext.c2py(catalog.plural_expr)
    problems = []
    for msgid, message in entries(catalog).items():
        sources = source_forms(message)
        named, unnamed, _stray = placeholders(sources[-1])
        markup = sorted(MARKUP.findall(sources[-1]))
        forms = translated_forms(message)
        must_count = {choose(n) for n in SAMPLE_NUMBERS} if isinstance(msgid, tuple) else {0}
        for index, form in enumerate(forms):
            got_named, got_unnamed, stray = placeholders(form)
            expected = named
            if isinstance(msgid, tuple) and index not in must_count:
                # A form only for 0, 1 or 2 may spell the number out ("درسان").
                expected = {p for p in named if p[0] != "num"}
                got_named = got_named - (named - expected)
            if got_named != expected or got_unnamed != unnamed:
                problems.append(("placeholders", msgid, form))
            if message.python_format and stray:
                problems.append(("lone %", msgid, form))
            if sorted(MARKUP.findall(form)) != markup:
                problems.append(("markup", msgid, form))
    assert problems == [], f"{language}: {problems}"


def test_babel_checkers_pass(catalogue):
    language, catalog = catalogue
    errors = [(message.id, [str(e) for e in found]) for message, found in catalog.check()]
    assert errors == [], f"{language}: {errors}"


def test_plural_rules():
    arabic = load(po_path("ar"))
    assert arabic.num_plurals == 6
    rule = gettext.c2py(arabic.plural_expr)
    reference = gettext.c2py(ARABIC_PLURAL)
    assert [rule(n) for n in range(0, 1200)] == [reference(n) for n in range(0, 1200)]
    assert [rule(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103)] == [
        0,
        1,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
        5,
        3,
    ]
    french = load(po_path("fr"))
    rule = gettext.c2py(french.plural_expr)
    assert rule(0) == rule(1) != rule(2)


def test_compiled_catalogues_translate():
    """The .mo files in use are current: a sample string comes out translated."""
    for language, expected in (("fr", "Se connecter"), ("ar", "تسجيل الدخول")):
        translations = gettext.translation("messages", str(TRANSLATIONS), [language])
        assert translations.gettext("Log in") == expected
        assert translations.ngettext("%(num)d lesson", "%(num)d lessons", 2) in (
            "%(num)d leçons",
            "درسان",
        )
