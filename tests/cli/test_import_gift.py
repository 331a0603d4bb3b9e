"""`learnapp quizzes import-gift` end to end: GIFT in, a quiz that passes the check and is taken."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import SITE_COURSES, SITE_QUIZZES

GIFT = r"""// A bank exported from Moodle
$CATEGORY: $course$/Basics

::Founded::When was the NGO founded?{~2009 =2014#Yes, in Geneva. ~2017}

Which partners took part? {
    ~%50%Ministries
    ~%50%Universities
    ~%-100%Banks
    ####Governmental and academic partners.
}

The alliance works in Geneva.{TRUE}

In which city was it founded?{=Geneva =Genève}

How many communities did the research cover?{#160..180}

How are you? {}
"""


@pytest.fixture
def config_overrides(tmp_path):
    """The fixture content, copied: the import writes into it."""
    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    (tmp_path / "bank.gift").write_text(GIFT, encoding="utf-8")
    return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}


def import_gift(runner, tmp_path, *options):
    args = ["quizzes", "import-gift", str(tmp_path / "bank.gift"), "--course", "basics"]
    return runner.invoke(args=[*args, *options])


def test_import_writes_a_quiz_that_passes_the_check_and_can_be_taken(
    runner, tmp_path, client, login_as
):
    result = import_gift(runner, tmp_path, "--title", "Imported bank")
    assert result.exit_code == 1  # the essay was skipped
    bank = str(tmp_path / "bank.gift")
    assert f"{bank}:19: unsupported essay question" in result.output
    assert f'{bank}:2: warning: $CATEGORY "$course$/Basics" ignored' in result.output
    written = tmp_path / "quizzes" / "basics" / "02-imported-bank.md"
    assert "Wrote 5 question(s)" in result.output and written.exists()
    check = runner.invoke(args=["courses", "check"])
    assert check.exit_code == 0 and "0 error(s)" in check.output, check.output

    login_as()
    client.submit("/courses/basics/enrol")
    page = client.get("/courses/basics/quizzes/imported-bank").get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    labels = re.findall(
        r'name="(q\w+)" value="(\w+)"[^>]*>\s*<label[^>]*>(.*?)</label>', page, re.S
    )
    right = {"2014", "Ministries", "Universities", "True"}
    data = {"attempt_token": token}
    for name, value, label in labels:
        if label.strip() in right:
            data.setdefault(name, []).append(value)
    texts = re.findall(r'type="text" id="[^"]+" name="(q\w+)"', page)
    data |= {texts[0]: " GENÈVE ", texts[1]: "171"} if len(texts) == 2 else {}
    assert len(texts) == 2 and len(data) == 6
    response = client.submit("/courses/basics/quizzes/imported-bank", data)
    result_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 of 5 correct (100%)" in result_page


def test_skip_unsupported_exits_0_and_an_existing_file_is_never_overwritten(runner, tmp_path):
    out = tmp_path / "quizzes" / "basics" / "05-bank.md"
    first = import_gift(runner, tmp_path, "--out", str(out), "--skip-unsupported")
    assert first.exit_code == 0, first.output
    assert out.read_text(encoding="utf-8").startswith('---\ntitle: "Bank"\n---\n\n## ')
    again = import_gift(runner, tmp_path, "--out", str(out), "--skip-unsupported")
    assert again.exit_code == 1 and "exists already" in again.output


def test_malformed_gift_writes_nothing(runner, tmp_path):
    (tmp_path / "bank.gift").write_text("Q{=a ~b\n\nR{T}\n", encoding="utf-8")
    result = import_gift(runner, tmp_path)
    assert result.exit_code == 1
    assert f"{tmp_path / 'bank.gift'}:1: {{ without a closing }}" in result.output
    assert sorted(p.name for p in (tmp_path / "quizzes" / "basics").iterdir()) == ["01-check.md"]


def test_unknown_course_and_non_utf8_file_are_clear_errors(runner, tmp_path):
    unknown = runner.invoke(
        args=["quizzes", "import-gift", str(tmp_path / "bank.gift"), "--course", "nope"]
    )
    assert unknown.exit_code == 1 and 'no valid course "nope"' in unknown.output
    (tmp_path / "bank.gift").write_bytes("Qé{T}".encode("latin-1"))
    latin = import_gift(runner, tmp_path)
    assert latin.exit_code == 1 and "not UTF-8 text" in latin.output
