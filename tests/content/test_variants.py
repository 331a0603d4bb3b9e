"""Language variants: `NN-slug.fr.md` beside `NN-slug.md`, checked against it (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnapp.content.grading import score
from learnapp.content.loader import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
COURSE = {
    "courses/01-c/course.md": '---\ntitle: "Course"\nsummary: "About"\n---\nIntro.\n',
    "courses/01-c/01-one.md": "# One\n\nIn English.\n",
    "courses/01-c/02-two.md": "# Two\n\nSee [one](01-one.md).\n",
}
QUIZ = """---
title: "Check"
pass_mark: 60
---

## Where was the NGO founded?
- ( ) Paris
- (x) Geneva
- ( ) Beirut

## Which were partners? Select all that apply.
- [x] Ministries
- [ ] Banks
- [x] Universities

## How many communities?
= 171

## Which city hosts the ICRC?
= Geneva
"""
QUIZ_FR = """---
title: "Vérification"
---

## Où l'ONG a-t-elle été fondée ?
- ( ) Paris
- (x) Genève
- ( ) Beyrouth

## Qui étaient les partenaires ? Cochez toutes les réponses exactes.
- [x] Des ministères
- [ ] Des banques
- [x] Des universités

## Combien de communautés ?
= 171

## Quelle ville accueille le CICR ?
= Genève
"""
QUIZ_PATH = "quizzes/c/01-check.fr.md"


def load(make_tree, extra: dict[str, str]):
    root = make_tree({**COURSE, "quizzes/c/01-check.md": QUIZ, **extra})
    return load_catalogue(root / "courses", root / "quizzes")


def errors(catalogue) -> list[str]:
    return [str(problem) for problem in catalogue.errors]


def test_variants_give_the_course_in_each_language_and_fall_back_per_step(make_tree):
    found = load(
        make_tree,
        {
            "courses/01-c/course.ar.md": '---\ntitle: "دورة"\nsummary: "عنها"\n---\nمقدمة.\n',
            "courses/01-c/01-one.ar.md": "# واحد\n\nبالعربية.\n",
            QUIZ_PATH: QUIZ_FR,
        },
    )
    assert errors(found) == []
    course = found.courses["c"]
    assert course.languages == ("en", "ar", "fr")
    arabic = course.in_language("ar")
    assert (arabic.title, arabic.summary, arabic.language) == ("دورة", "عنها", "ar")
    assert [lesson.language for lesson in arabic.lessons] == ["ar", "en"]  # two falls back
    assert [lesson.slug for lesson in arabic.lessons] == ["one", "two"]
    assert arabic.quizzes[0].language == "en"
    french = course.in_language("fr")
    assert french.title == "Course"  # no course.fr.md: the default's
    assert french.quizzes[0].title == "Vérification"
    assert course.in_language("de") is course


def test_a_quiz_variant_is_keyed_and_set_like_its_default_and_shares_its_answers(make_tree):
    course = load(make_tree, {QUIZ_PATH: QUIZ_FR}).courses["c"]
    english, french = course.quizzes[0], course.in_language("fr").quizzes[0]
    assert [q.key for q in french.questions] == [q.key for q in english.questions]
    for ours, theirs in zip(french.questions, english.questions, strict=True):
        assert [o.key for o in ours.options] == [o.key for o in theirs.options]
    assert (french.pass_mark, french.after) == (60, english.after)
    # The same answers score the same in both, "Genève" in English included.
    answers = {q.key: sorted(q.correct_keys) or "Genève" for q in english.questions}
    answers[english.questions[2].key] = "171"
    assert score(english.questions, answers, 60) == score(french.questions, answers, 60)
    assert score(english.questions, answers, 60).points == 4
    assert french.questions[3].accepted[0].label == "Genève"  # its own answer shown first


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            lambda text: text.split("\n## Quelle ville")[0],
            0,
            "3 questions here but 4 in 01-check.md: a variant asks the same questions",
        ),
        (
            lambda text: text.replace("- ( )", "- [ ]").replace("- (x)", "- [x]"),
            5,
            "question 1 is a select-all question here, a one-answer one in 01-check.md",
        ),
        (
            lambda text: text.replace("- ( ) Beyrouth\n", ""),
            5,
            "question 1 has 2 options here but 3 in 01-check.md: keep the options in the same",
        ),
        (
            lambda text: text.replace("- [ ] Des banques", "- [x] Des banques").replace(
                "- [x] Des universités", "- [ ] Des universités"
            ),
            10,
            "question 2 marks option 1, 2 right here but 1, 3 in 01-check.md",
        ),
        (
            lambda text: text.replace("= 171", "= 172"),
            15,
            "question 3 accepts 172 here but 171 in 01-check.md: the right answers must be",
        ),
        (
            lambda text: text.replace(
                "## Combien de communautés ?\n= 171", "## Combien ?\n- (x) 171"
            ),
            15,
            "question 3 is a one-answer question here, a short-answer one in 01-check.md",
        ),
        (
            lambda text: text.replace('title: "Vérification"', 'title: "V"\npass_mark: 80'),
            3,
            "pass_mark is 80 here but 60 in 01-check.md: a variant's settings are its default",
        ),
    ],
    ids=["question count", "kind", "option count", "right options", "number", "short", "setting"],
)
def test_courses_check_reports_a_quiz_variant_that_does_not_ask_the_same(
    make_tree, change, line, message
):
    found = load(make_tree, {QUIZ_PATH: change(QUIZ_FR)})
    where = f"{QUIZ_PATH}:{line}" if line else QUIZ_PATH
    assert any(e.startswith(f"{where}: {message}") for e in errors(found)), errors(found)
    assert "c" in found.excluded  # the course is not served with a mismatched quiz


def test_a_variant_needs_its_default_file_and_a_language_of_its_own(make_tree):
    found = load(
        make_tree,
        {
            "courses/01-c/03-three.fr.md": "# Trois\n",
            "courses/01-c/01-one.en.md": "# One again\n",
            "quizzes/c/02-other.ar.md": QUIZ_FR,
        },
    )
    assert sorted(errors(found)) == [
        "courses/01-c/01-one.en.md: en is the course's own language (course.md): no variant needed",
        "courses/01-c/03-three.fr.md: no 03-three.md beside this fr variant: a variant"
        " translates a step",
        "quizzes/c/02-other.ar.md: no 02-other.md beside this ar variant: a variant"
        " translates a step",
    ]


def test_a_variant_course_file_sets_only_the_title_summary_and_introduction(make_tree):
    found = load(
        make_tree,
        {"courses/01-c/course.fr.md": '---\ntitle: "Cours"\nstatus: draft\n---\n'},
    )
    assert sorted(errors(found)) == [
        'courses/01-c/course.fr.md:1: front-matter key "summary" is missing (it is required)',
        'courses/01-c/course.fr.md:3: unknown front-matter key "status" (known keys: title,'
        " summary)",
    ]


def test_lesson_links_in_a_variant_lead_to_the_lesson_page(make_tree):
    found = load(
        make_tree,
        {
            "courses/01-c/01-one.fr.md": "# Un\n",
            "courses/01-c/02-two.fr.md": "# Deux\n\n[un](01-one.fr.md), [one](01-one.md)\n",
        },
    )
    assert errors(found) == []
    html = found.courses["c"].in_language("fr").lesson("two").html
    assert html.count('href="/courses/c/one"') == 2


def test_the_shipped_course_01_is_complete_in_french_and_arabic():
    found = load_catalogue(ROOT / "courses", ROOT / "quizzes")
    assert found.errors == ()
    course = found.courses["origins-of-a-learning-alliance"]
    assert set(course.languages) == {"en", "fr", "ar"}
    for language in ("fr", "ar"):
        translated = course.in_language(language)
        steps = [*translated.lessons, *translated.quizzes]
        assert {step.language for step in steps} == {language}
        assert translated.title != course.title and translated.intro_html != course.intro_html
