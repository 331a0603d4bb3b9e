"""GIFT import (issue 20): Moodle's and GIFT-grammar-PEG.js's own files, read and converted.

The reference fixtures live in ../shared/reference/fixtures/gift (beside the repository,
in CI too; LEARNAPP_REFERENCE points elsewhere, e.g. from a git worktree).
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.content.gift import import_gift, parse_gift
from learnapp.content.links import CourseLinks
from learnapp.content.markdown import FileRenderer
from learnapp.content.quiz import parse_quiz

from .helpers import make_course

REPO = Path(__file__).resolve().parents[2]
REFERENCE = Path(os.environ.get("LEARNAPP_REFERENCE", REPO.parent / "shared" / "reference"))
GIFT = REFERENCE / "fixtures" / "gift"
PEG = sorted((GIFT / "peg").glob("*.gift"))


def convert(name: str):
    path = GIFT / name
    return import_gift(path.read_text(encoding="utf-8"), path=name, title="Imported")


def parses_cleanly(markdown: str):
    render = FileRenderer("quizzes/c/01-q.md", CourseLinks("/nonexistent", "/courses/c", {}))
    quiz, problems = parse_quiz(markdown, path="quizzes/c/01-q.md", course=make_course(),
                                render=render)  # fmt: skip
    assert quiz is not None and not problems, problems
    return quiz


def test_the_reference_fixtures_are_there():
    assert len(PEG) == 25 and (GIFT / "examples.txt").exists()


def test_moodle_examples_convert_and_matching_is_reported_unsupported():
    result = convert("examples.txt")
    assert [str(p) for p in result.skipped] == [
        f"examples.txt:{line}: unsupported matching question (->)" for line in (55, 61, 177)
    ]
    assert not result.errors and len(result.questions) == 40
    quiz = parses_cleanly(result.markdown)
    by_heading = {}
    for question in quiz.questions:
        by_heading.setdefault(question.text, question)
    pi = by_heading["What is the value of pi (to 3 decimal places)? _____."]
    assert [a.label for a in pi.accepted] == ["3.1415 ± 0.0005"]  # {#3.141..3.142} too
    assert [a.label for a in by_heading["When was Ulysses S. Grant born?"].accepted] == ["1822 ± 1"]
    two = by_heading["What two people are entombed in Grant's tomb?"]
    assert two.kind == "multiple" and len(two.correct_keys) == 2
    controls = by_heading["Which of the following is NOT a control character for the GIFT"
                          " import format?"]  # fmt: skip
    assert [re.sub("<[^>]+>", "", o.html) for o in controls.options] == [
        "~",
        "=",
        "#",
        "{",
        "}",
        "\\",
    ]
    assert [o.correct for o in controls.options] == [False] * 5 + [True]
    assert "it is used to escape" in controls.options[-1].feedback_html
    assert "Yes! That&#x27;s right!" in result.markdown or "Yes! That's right!" in result.markdown


def test_moodle_fixture_questions_convert_with_feedback_and_explanation():
    result = convert("questions.gift.txt")
    assert [str(p) for p in result.skipped] == [
        "questions.gift.txt:2: unsupported essay question ({}): it needs a person to mark it",
        "questions.gift.txt:5: unsupported matching question (->)",
    ]
    quiz = parses_cleanly(result.markdown)
    first, multi, number, short, truth, *_ = quiz.questions
    assert first.kind == "single" and [o.correct for o in first.options] == [True, False, False]
    assert "right; good!" in first.options[0].feedback_html
    assert multi.kind == "multiple" and [o.correct for o in multi.options] == [1, 0, 1, 0]
    assert [a.label for a in number.accepted] == ["3 ± 2"]
    assert [a.label for a in short.accepted] == ["Frog"]  # 50 % "Cat" and the 0 % "*" dropped
    assert {'answer "Cat" (50% credit) dropped: only full credit counts'} <= {
        p.message for p in result.notes
    }
    # {FALSE#wrong#right}: Moodle shows the first feedback for the wrong choice (True).
    assert [o.correct for o in truth.options] == [False, True]
    assert "Ultimate Answer" in truth.options[0].feedback_html
    assert "right answer" in truth.options[1].feedback_html
    assert "Hitchiker" in truth.explanation_html


def test_category_is_a_note_and_html_is_sanitised():
    result = convert("questions_in_category.gift.txt")
    assert [str(p) for p in result.notes][0].startswith(
        'questions_in_category.gift.txt:2: warning: $CATEGORY "$course$/Default for New Features"'
    )
    quiz = parses_cleanly(result.markdown)
    greeting = quiz.questions[0]
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in greeting.heading_html
    assert [o.correct for o in greeting.options] == [False, True, False, False]
    assert "<span>Modular" in quiz.questions[2].heading_html  # style= stripped


def test_hostile_html_is_sanitised_and_relative_files_dropped_with_a_note():
    gift = (
        '[html]<p onclick="x()">Pick <script>alert(1)</script><b>one</b></p>{'
        '=<img src\\="@@PLUGINFILE@@/a.png">Yes ~<a href\\="javascript:x()">No</a>}'
    )  # GIFT: = inside HTML is escaped, as Moodle's own files do
    result = import_gift(gift, path="h.gift", title="T")
    assert "script" not in result.markdown and "onclick" not in result.markdown
    assert "javascript" not in result.markdown and "PLUGINFILE" not in result.markdown
    assert "## Pick <b>one</b>" in result.markdown
    assert "a GIFT file carries no files" in result.notes[0].message
    parses_cleanly(result.markdown)


# GIFT-grammar-PEG.js: its expected .json against our parse.


def _text(text):
    return None if text is None else {"format": text.format, "text": text.text}


def _peg_number(answer):
    number = answer.number
    return {"low": number.value - number.tolerance, "high": number.value + number.tolerance}


def _expected_number(text):
    if text["type"] == "high-low":
        return {"low": Decimal(str(text["numberLow"])), "high": Decimal(str(text["numberHigh"]))}
    number, margin = Decimal(str(text["number"])), Decimal(str(text.get("range", 0)))
    return {"low": number - margin, "high": number + margin}


def ours_as_peg(item):
    """Our item in PEG's shape, with the deliberate differences below made explicit."""
    kind = {"multichoice": "MC", "truefalse": "TF", "shortanswer": "Short",
            "numerical": "Numerical", "description": "Description", "category": "Category",
            "essay": "Essay", "matching": "Matching"}[item.kind]  # fmt: skip
    if kind == "Category":
        return {"type": kind, "title": item.stem.text}
    shape = {"type": kind, "title": item.title, "stem": _text(item.stem)}
    if kind == "Description":
        return shape
    shape["globalFeedback"] = _text(item.general_feedback)
    if kind == "TF":
        # PEG names the two feedbacks true/false by position; Moodle's importer reads them
        # as (shown for the wrong choice, shown for the right one), and so do we.
        return shape | {"isTrue": item.truth, "trueFeedback": _text(item.wrong_feedback),
                        "falseFeedback": _text(item.right_feedback)}  # fmt: skip
    choices = []
    for answer in item.answers:
        # PEG gives no weight (null) where none is written; we give the credit: = 100, ~ 0.
        text = _peg_number(answer) if answer.number else _text(answer.text)
        choices.append({"isCorrect": answer.right, "weight": answer.weight, "text": text,
                        "feedback": _text(answer.feedback)})  # fmt: skip
    if item.wrong_answer_feedback:
        anything = {"format": "moodle", "text": "*"}
        choices.append({"isCorrect": False, "weight": 0.0, "text": anything,
                        "feedback": _text(item.wrong_answer_feedback)})  # fmt: skip
    return shape | {"choices": choices}


def peg_normalised(expected):
    if expected["type"] == "Category":
        return expected
    shape = {key: expected[key] for key in ("type", "title", "stem")}
    # Moodle puts its blank exactly where the braces were ("_____."); PEG adds a space.
    shape["stem"] = shape["stem"] | {"text": shape["stem"]["text"].replace("_____ .", "_____.")}
    if expected["type"] == "Description":
        return shape
    shape["globalFeedback"] = expected["globalFeedback"]
    if expected["type"] == "TF":
        return shape | {key: expected[key] for key in ("isTrue", "trueFeedback", "falseFeedback")}
    choices = expected["choices"]
    if isinstance(choices, dict):  # PEG's short form of a single numeric answer
        choices = [{"isCorrect": True, "weight": None, "text": choices, "feedback": None}]
    shown = []
    for choice in choices:
        text = choice["text"]
        if "type" in text:
            text = _expected_number(text)
        weight = choice["weight"]
        if weight is None:
            weight = 100.0 if choice["isCorrect"] else 0.0
        shown.append({"isCorrect": choice["isCorrect"], "weight": float(weight), "text": text,
                      "feedback": choice["feedback"]})  # fmt: skip
    return shape | {"choices": shown}


@pytest.mark.parametrize("path", PEG, ids=lambda p: p.stem)
def test_our_parse_matches_gift_grammar_peg(path):
    parsed = parse_gift(path.read_text(encoding="utf-8"), path=path.name)
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert not parsed.errors
    assert [ours_as_peg(item) for item in parsed.items] == [peg_normalised(e) for e in expected]


@pytest.mark.parametrize("path", PEG, ids=lambda p: p.stem)
def test_every_peg_fixture_converts_or_says_why(path):
    result = import_gift(path.read_text(encoding="utf-8"), path=path.name, title="T")
    assert not result.errors
    if result.questions:
        parses_cleanly(result.markdown)
    for problem in result.skipped:
        assert re.fullmatch(rf"{path.name}:\d+: unsupported .+", str(problem))
    assert result.questions or path.stem in ("category1",)


# Hostile input.


@pytest.mark.parametrize(
    ("gift", "message"),
    [
        ("Q {=a ~b", "1: { without a closing }"),
        ("Q } x", "1: } without an opening {"),
        ("::T Q{T}", "1: the title has no closing ::"),
        ("Q{=a ~b}\nR{T}", "1: more than one {…} in a question"),
        ("\n\nQ{~only}", "3: a multiple-choice question needs at least two answers"),
        ("Q{#abc}", '1: "abc" is not a number'),
        ("Q{#5..1}", "1: range 5..1: write the smaller number first"),
        ("Q{~%200%a ~b}", "1: weight 200% must be between -100% and 100%"),
        ("{T}", "1: the question has no text before its answers"),
    ],
)
def test_malformed_gift_is_a_file_line_error(gift, message):
    result = import_gift(gift, path="bad.gift", title="T")
    assert [str(p) for p in result.errors][0].startswith(f"bad.gift:{message}")
    assert not result.questions


@pytest.mark.parametrize(
    ("gift", "reason"),
    [
        ("Q{~%50%a ~%-50%b}", "multiple answers with partial credit only"),
        ("Q{=a =b ~c}", "multiple choice with more than one full-credit = answer"),
        ("Q{=%50%a}", "short answer with partial credit only"),
        ("Q{=a*}", "short answer with the wildcard *"),
        ("Q{~a ~a =b}", 'option: "a" appears twice'),
    ],
)
def test_what_our_format_cannot_say_is_skipped(gift, reason):
    result = import_gift(f"ok{{T}}\n\n{gift}", path="u.gift", title="T")
    assert [str(p) for p in result.skipped][0].startswith(f"u.gift:3: unsupported {reason}")
    assert len(result.questions) == 1


PIECES = [
    "::t::", "{", "}", "=", "~", "#", "####", "%50%", "%-100%", "->", "\\", "\\{", "\\n", ":",
    "..", "T", "FALSE", "[html]", "[markdown]", "[plain]", "<b>", "<script>", "//", "\n", "\n\n",
    "$CATEGORY:", "1", "-2.5", "_____", "*", "- ( )", "= x", "## h", "> q", "&amp;", "\x00",
]  # fmt: skip
GIFTISH = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | GIFTISH)
def test_any_text_gives_a_quiz_or_file_line_problems_never_an_exception(text):
    result = import_gift(text, path="any.gift", title="T")
    for problem in (*result.errors, *result.skipped, *result.notes):
        assert re.match(r"any\.gift:\d+: ", str(problem))
    if result.questions:
        quiz, problems = parse_quiz(
            result.markdown, path="quizzes/c/01-q.md", course=make_course(),
            render=FileRenderer("quizzes/c/01-q.md", CourseLinks("/x", "/courses/c", {})),
        )  # fmt: skip
        errors = [p for p in problems if p.severity == "error"]
        # Only a trainer's own [markdown] can link to a file that the course lacks.
        assert not errors or ("[markdown]" in text and all("link" in p.message for p in errors))
