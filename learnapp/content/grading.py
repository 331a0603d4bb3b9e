"""Pure grading: one point per question, scores, and the seeded draw and order of an attempt."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from learnapp.content.model import Accepted, Question, Quiz

Response = Collection[str] | str
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # digit-group separators people type


@dataclass(frozen=True, slots=True)
class Score:
    """Points out of total; `percent` is rounded down, so 69.9 % never passes a 70 % mark."""

    points: int
    total: int
    percent: int
    passed: bool
    correct: frozenset[str] = frozenset()


def normalise_short(text: str) -> str:
    """Compare form of a short answer: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_number(text: str) -> float | None:
    """A finite number from a learner or trainer; `3,5` is 3.5 and `1,000.5` is 1000.5."""
    text = SPACES.sub("", unicodedata.normalize("NFKC", text).strip())
    if "," in text and ("." in text or text.count(",") > 1):
        text = text.replace(",", "")  # commas group thousands when a dot is the decimal mark
    text = text.replace(",", ".")
    if not NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def grade_question(question: Question, response: Response | None) -> bool:
    """Whether `response` (option keys, or a text for short answers) answers `question`."""
    if response is None:
        return False
    if question.kind == "short":
        return isinstance(response, str) and any(
            _accepts(accepted, response) for accepted in question.accepted
        )
    chosen = {response} if isinstance(response, str) else set(response)
    return chosen == question.correct_keys


def score(
    questions: Sequence[Question], responses: Mapping[str, Response], pass_mark: int
) -> Score:
    """Score the asked `questions` (keyed responses; a missing one is wrong) against `pass_mark`."""
    correct = frozenset(q.key for q in questions if grade_question(q, responses.get(q.key)))
    total = len(questions)
    percent = 100 * len(correct) // total if total else 0
    return Score(len(correct), total, percent, percent >= pass_mark, correct)


def draw_and_order(quiz: Quiz, seed: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The questions one attempt asks and the order of their options, the same for a seed."""
    rng = random.Random(seed)
    indexed = list(enumerate(quiz.questions))
    if quiz.draw and quiz.draw < len(indexed):
        indexed = sorted(rng.sample(indexed, quiz.draw), key=lambda pair: pair[0])
    if quiz.shuffle:
        rng.shuffle(indexed)
    return tuple(
        (question.key, _option_order(question, quiz.shuffle, rng)) for _, question in indexed
    )


def _option_order(question: Question, shuffle: bool, rng: random.Random) -> tuple[str, ...]:
    keys = [option.key for option in question.options]
    if shuffle:
        rng.shuffle(keys)
    return tuple(keys)


def _accepts(accepted: Accepted, response: str) -> bool:
    if accepted.number is not None:
        value = parse_number(response)
        if value is not None:
            return _within(value, accepted.number, accepted.tolerance)
    return accepted.text is not None and normalise_short(accepted.text) == normalise_short(response)


def _within(value: float, target: float, tolerance: float) -> bool:
    """Inclusive tolerance, forgiving binary rounding (3.6 is within 3.5 ± 0.1)."""
    difference = abs(value - target)
    return difference <= tolerance or math.isclose(
        difference, tolerance, rel_tol=1e-9, abs_tol=1e-12
    )
