"""Generated course content for the benchmarks, written as a trainer would write it.

- `bench-course`: 30 lessons of about 600 words and one 5-question quiz after lesson 10
  (the lesson page shows a 31-step outline, like yardstick (c)'s 30-item loop);
- `bench-certificate`: two short lessons and a certificate, for issuing and downloading;
- a separate 100-lesson course of about 800 words a lesson for `learnapp courses check`.

Deterministic (seeded), so every run measures the same pages.
"""

from __future__ import annotations

import random
from pathlib import Path

COURSE = "bench-course"
CERT_COURSE = "bench-certificate"
QUIZ = "check"
LESSONS = 30
QUIZ_AFTER = 10

WORDS = """
community partner ministry university research method needs assessment survey village
school teacher learner workshop training report evidence data field volunteer cooperation
network trust project budget review finding question answer interview group meeting plan
goal outcome practice example lesson story context
""".split()  # noqa: SIM905 - a list literal of 40 words reads worse


def lesson_slug(number: int) -> str:
    return f"lesson-{number:02d}"


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: int) -> str:
    out, left = [], words
    while left > 0:
        n = min(left, rng.randint(9, 18))
        out.append(_sentence(rng, n))
        left -= n
    text = " ".join(out)
    # Some inline formatting and a link, as real lessons have.
    text = text.replace(" data ", " **data** ", 1).replace(" method ", " *method* ", 1)
    return text + " See [the guide](https://example.org/guide)."


def lesson_markdown(rng: random.Random, number: int, words: int, rich: bool) -> str:
    """One lesson: a title, sections, lists, a table, a quote; footnotes and notes if rich."""
    parts = [f"# Lesson {number}: {_sentence(rng, 4)[:-1]}", ""]
    sections = max(2, words // 200)
    per_section = words // sections
    for s in range(1, sections + 1):
        parts += [f"## Part {s}: {rng.choice(WORDS)} and {rng.choice(WORDS)}", ""]
        parts += [_paragraph(rng, per_section - 40), ""]
        parts += [f"- {_sentence(rng, 6)}" for _ in range(4)] + [""]
        if s == 1:
            parts += ["| Step | What to do | Who |", "|---|---|---|"]
            parts += [f"| {i} | {_sentence(rng, 5)} | {rng.choice(WORDS)} |" for i in range(1, 5)]
            parts += [""]
        if s == 2:
            parts += [f"> {_sentence(rng, 14)}", ""]
        if rich and s == 2:
            parts += ['!!! note "Remember"', f"    {_sentence(rng, 16)}", ""]
            parts += [f"A point worth a source.[^{s}]", "", f"[^{s}]: {_sentence(rng, 8)}", ""]
        if rich and s == 3:
            parts += ["```python", "total = sum(scores) / len(scores)", "print(total)", "```", ""]
    return "\n".join(parts) + "\n"


QUIZ_MARKDOWN = """---
title: Check your understanding
after: lesson-{after:02d}
pass_mark: 60
---
## In which city is the NGO based?
- ( ) Paris
- (x) Geneva
- ( ) Vienna
- ( ) Amman

## Which partners take part? Select all that apply.
- [x] Ministries
- [x] Universities
- [ ] Banks

## When was the NGO founded?
- ( ) 2009
- (x) 2014
- ( ) 2017

## What is the first step of the method?
- (x) A needs assessment
- ( ) A budget
- ( ) A report

## How many communities did the research cover?
= 171
"""


def write_site(root: Path) -> tuple[Path, Path]:
    """The served content: the 30-lesson course with its quiz, and the certificate course."""
    rng = random.Random(9)
    courses, quizzes = root / "courses", root / "quizzes"
    folder = courses / f"01-{COURSE}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(
        "---\ntitle: Bench course — working with communities\n"
        "summary: Generated for the benchmarks.\nstatus: published\nestimated_minutes: 300\n"
        "pass_mark: 60\n---\nA generated course of thirty lessons.\n",
        encoding="utf-8",
    )
    for number in range(1, LESSONS + 1):
        text = lesson_markdown(rng, number, 600, rich=number % 3 == 0)
        (folder / f"{number:02d}-{lesson_slug(number)}.md").write_text(text, encoding="utf-8")
    (quizzes / COURSE).mkdir(parents=True, exist_ok=True)
    (quizzes / COURSE / f"01-{QUIZ}.md").write_text(
        QUIZ_MARKDOWN.format(after=QUIZ_AFTER), encoding="utf-8"
    )
    cert = courses / f"02-{CERT_COURSE}"
    cert.mkdir(parents=True, exist_ok=True)
    (cert / "course.md").write_text(
        "---\ntitle: Introduction to Participative Action Research\n"
        "summary: Generated for the certificate benchmark.\nstatus: published\n"
        "estimated_minutes: 90\n---\nTwo lessons and a certificate.\n",
        encoding="utf-8",
    )
    for number in (1, 2):
        text = lesson_markdown(rng, number, 300, rich=False)
        (cert / f"{number:02d}-{lesson_slug(number)}.md").write_text(text, encoding="utf-8")
    return courses, quizzes


def write_hundred(root: Path) -> tuple[Path, Path]:
    """A 100-lesson course (about 800 words each, every Markdown feature) for `courses check`."""
    rng = random.Random(100)
    courses, quizzes = root / "courses", root / "quizzes"
    folder = courses / "01-hundred-lessons"
    folder.mkdir(parents=True, exist_ok=True)
    quizzes.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(
        "---\ntitle: One hundred lessons\nsummary: Generated for the content benchmark.\n"
        "status: published\n---\nA long generated course.\n",
        encoding="utf-8",
    )
    for number in range(1, 101):
        text = lesson_markdown(rng, number, 800, rich=True)
        (folder / f"{number:03d}-{lesson_slug(number)}.md").write_text(text, encoding="utf-8")
    return courses, quizzes
