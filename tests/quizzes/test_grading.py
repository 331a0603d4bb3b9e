"""Pure grading: one point per question, exact sets, tolerant numbers, seeded draw and order."""

from __future__ import annotations

import pytest

from learnapp.content.grading import (
    draw_and_order,
    grade_question,
    normalise_short,
    parse_number,
    score,
)
from learnapp.content.model import Accepted, Option, Question, Quiz


def choice(key: str, kind: str, correct: str, keys: str = "abcd") -> Question:
    options = tuple(Option(k, k.upper(), k in correct) for k in keys)
    return Question(key, "", kind, options, (), "", 1)


def short(key: str, *accepted: Accepted) -> Question:
    return Question(key, "", "short", (), accepted, "", 1)


SINGLE = choice("q1", "single", "b")
MULTIPLE = choice("q2", "multiple", "ab")
TEXT = short("q3", Accepted("Barrier Monitoring Unit"), Accepted("BMU"))
NUMBER = short("q4", Accepted(None, 3.5, 0.1))
EXACT = short("q5", Accepted("171", 171.0, 0.0))


def test_single_answer_is_right_only_with_the_correct_option():
    assert grade_question(SINGLE, {"b"})
    assert grade_question(SINGLE, "b")
    assert not grade_question(SINGLE, {"a"})
    assert not grade_question(SINGLE, {"a", "b"})
    assert not grade_question(SINGLE, set())
    assert not grade_question(SINGLE, None)


def test_select_all_that_apply_needs_exactly_the_correct_set():
    assert grade_question(MULTIPLE, {"a", "b"})
    assert grade_question(MULTIPLE, ["b", "a"])
    assert not grade_question(MULTIPLE, {"a"})
    assert not grade_question(MULTIPLE, {"a", "b", "c"})
    assert not grade_question(MULTIPLE, set())


def test_short_text_ignores_case_and_spacing():
    assert grade_question(TEXT, "  barrier   monitoring\tUNIT ")
    assert grade_question(TEXT, "bmu")
    assert not grade_question(TEXT, "Barrier Unit")
    assert not grade_question(TEXT, {"bmu"})


@pytest.mark.parametrize("answer", ["3.5", "3.4", "3.6", "3,6", " 3.45 ", "+3.5", "35e-1"])
def test_numeric_answer_within_the_inclusive_tolerance_is_right(answer):
    assert grade_question(NUMBER, answer)


@pytest.mark.parametrize("answer", ["3.39", "3.61", "3,7", "three and a half", "", "nan", "inf"])
def test_numeric_answer_outside_the_tolerance_is_wrong(answer):
    assert not grade_question(NUMBER, answer)


def test_whole_number_answer_accepts_equal_numbers_and_the_same_text():
    assert grade_question(EXACT, "171")
    assert grade_question(EXACT, "171.0")
    assert grade_question(EXACT, "171,0")
    assert not grade_question(EXACT, "170")
    assert not grade_question(EXACT, "17 1 communities")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3,5", 3.5),
        ("1,000.5", 1000.5),
        ("1 000", 1000.0),
        ("1,000,000", 1000000.0),
        ("-0.5", -0.5),
        ("٣", 3.0),
        ("1e3", 1000.0),
        ("abc", None),
        ("1.2.3", None),
        ("1e999", None),
    ],
)
def test_parse_number_reads_what_people_type(text, number):
    assert parse_number(text) == number


def test_normalise_short_casefolds_and_collapses_spaces():
    assert normalise_short("  Straße\u00a0 ＡＢＣ ") == "strasse abc"


def test_score_counts_one_point_per_question_and_rounds_down():
    questions = [SINGLE, MULTIPLE, TEXT]
    result = score(questions, {"q1": {"b"}, "q2": {"a", "b"}, "q3": "nope"}, pass_mark=67)
    assert (result.points, result.total, result.percent, result.passed) == (2, 3, 66, False)
    assert result.correct == frozenset({"q1", "q2"})


def test_score_passes_at_exactly_the_pass_mark_and_missing_answers_are_wrong():
    result = score([SINGLE, MULTIPLE], {"q1": "b"}, pass_mark=50)
    assert (result.points, result.percent, result.passed) == (1, 50, True)


def test_score_of_nothing_is_zero():
    assert score([], {}, pass_mark=70).percent == 0


def _quiz(questions, *, shuffle=False, draw=None) -> Quiz:
    return Quiz(
        "q", "01-q.md", "Q", None, 70, None, shuffle, draw, "after_pass", tuple(questions), ""
    )


POOL = [choice(f"q{n}", "single", "a", keys="abcde") for n in range(8)] + [TEXT]


def test_without_shuffle_or_draw_the_file_order_is_kept():
    order = draw_and_order(_quiz(POOL), seed=123)
    assert [key for key, _ in order] == [q.key for q in POOL]
    assert order[0][1] == ("a", "b", "c", "d", "e")
    assert order[-1] == ("q3", ())


def test_shuffle_is_deterministic_for_a_seed():
    quiz = _quiz(POOL, shuffle=True)
    assert draw_and_order(quiz, seed=7) == draw_and_order(quiz, seed=7)
    orders = {draw_and_order(quiz, seed=seed) for seed in range(5)}
    assert len(orders) > 1


def test_shuffle_permutes_questions_and_options():
    order = draw_and_order(_quiz(POOL, shuffle=True), seed=1)
    assert sorted(key for key, _ in order) == sorted(q.key for q in POOL)
    assert any(key != q.key for (key, _), q in zip(order, POOL, strict=True))
    assert any(options not in ((), ("a", "b", "c", "d", "e")) for _, options in order)
    assert all(sorted(options) == list(options and "abcde") for _, options in order if options)


def test_draw_asks_a_seeded_subset_in_file_order():
    quiz = _quiz(POOL, draw=3)
    order = draw_and_order(quiz, seed=42)
    assert order == draw_and_order(quiz, seed=42)
    keys = [key for key, _ in order]
    assert len(keys) == 3
    positions = [[q.key for q in POOL].index(key) for key in keys]
    assert positions == sorted(positions)
    subsets = {tuple(key for key, _ in draw_and_order(quiz, seed=s)) for s in range(10)}
    assert len(subsets) > 1


def test_draw_and_shuffle_together_keep_the_draw_size():
    order = draw_and_order(_quiz(POOL, shuffle=True, draw=4), seed=9)
    assert len(order) == 4
    assert len({key for key, _ in order}) == 4
