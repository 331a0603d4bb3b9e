"""The pure statement builder: what each event becomes in xAPI 1.0.3 (no app, no LRS)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from learnapp.content.loader import load_catalogue
from learnapp.xapi import statements as xs

SITE = xs.Site("https://learn.example.org/")
LEARNER = "2d9ad5b0-4c6e-4c8e-9a53-2a4b0a8f7e11"
AT = dt.datetime(2026, 12, 4, 13, 5, 7, 123456, tzinfo=dt.UTC)
QUIZ = """---
title: Check
---
## Which city hosts the NGO?
- ( ) Paris
- (x) Geneva
- ( ) Vienna

## Which are rivers?
- [x] Rhône
- [ ] Alps
- [x] Danube

## How many communities?
= 171

## What is pi, roughly?
= 3.14 ± 0.01

## Name the method
= Participatory action research
= PAR
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "courses" / "01-basics").mkdir(parents=True)
    (root / "courses" / "01-basics" / "course.md").write_text(
        '---\ntitle: "Basics"\nsummary: "S"\nlanguage: fr\n---\n'
    )
    (root / "courses" / "01-basics" / "01-first-steps.md").write_text("# First steps\n\nHello.\n")
    (root / "quizzes" / "basics").mkdir(parents=True)
    (root / "quizzes" / "basics" / "01-check.md").write_text(QUIZ)
    catalogue = load_catalogue(root / "courses", root / "quizzes")
    assert not [p for p in catalogue.problems if p.severity == "error"], catalogue.problems
    return catalogue.courses["basics"]


def questions(course):
    return {q.text: q for q in course.quizzes[0].questions}


def test_the_actor_is_a_pseudonymous_account_on_our_site(course):
    made = xs.registered(SITE, LEARNER, course, AT)
    assert made["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://learn.example.org", "name": LEARNER},
    }
    assert "mbox" not in json.dumps(made) and "@" not in json.dumps(made)


def test_registered_names_the_course_in_its_language(course):
    made = xs.registered(SITE, LEARNER, course, AT)
    assert made["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert made["object"] == {
        "objectType": "Activity",
        "id": "https://learn.example.org/courses/basics",
        "definition": {"type": xs.COURSE, "name": {"fr": "Basics"}},
    }
    assert made["timestamp"] == "2026-12-04T13:05:07.123Z"
    assert made["version"] == "1.0.3"
    assert made["context"]["platform"] == "LearnApp"
    assert made["context"]["language"] == "fr"


def test_the_same_event_always_gets_the_same_id_and_another_event_another(course):
    lesson = course.lessons[0]
    first = xs.lesson_completed(SITE, LEARNER, course, lesson, AT)
    again = xs.lesson_completed(SITE, LEARNER, course, lesson, AT + dt.timedelta(hours=1))
    other_learner = xs.lesson_completed(SITE, str(uuid.uuid4()), course, lesson, AT)
    other_site = xs.lesson_completed(xs.Site("https://other.example"), LEARNER, course, lesson, AT)
    course_done = xs.course_completed(SITE, LEARNER, course, AT)
    assert uuid.UUID(first["id"]).version == 5
    assert first["id"] == again["id"]
    ids = {first["id"], other_learner["id"], other_site["id"], course_done["id"]}
    assert len(ids) == 4


def test_a_lesson_completion_names_the_lesson_within_its_course(course):
    made = xs.lesson_completed(SITE, LEARNER, course, course.lessons[0], AT)
    assert made["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert made["object"]["id"] == "https://learn.example.org/courses/basics/first-steps"
    assert made["object"]["definition"]["type"] == xs.LESSON
    assert made["result"] == {"completion": True}
    parent = made["context"]["contextActivities"]["parent"]
    assert [activity["id"] for activity in parent] == ["https://learn.example.org/courses/basics"]


def test_every_statement_of_one_enrolment_shares_its_registration(course):
    quiz = course.quizzes[0]
    attempt = xs.Attempt(1, 0, 5, False, AT, ())
    made = [
        xs.registered(SITE, LEARNER, course, AT),
        xs.lesson_completed(SITE, LEARNER, course, course.lessons[0], AT),
        *xs.quiz_attempted(SITE, LEARNER, course, quiz, attempt),
        xs.course_completed(SITE, LEARNER, course, AT),
    ]
    assert len({s["context"]["registration"] for s in made}) == 1
    other = xs.registered(SITE, str(uuid.uuid4()), course, AT)
    assert other["context"]["registration"] != made[0]["context"]["registration"]


def answer(question, response, correct):
    return xs.Answer(question, response, correct)


def test_an_attempt_is_answered_per_question_then_passed_with_its_score(course):
    quiz = course.quizzes[0]
    q = questions(course)
    city = q["Which city hosts the NGO?"]
    geneva = next(o.key for o in city.options if o.correct)
    attempt = xs.Attempt(
        number=2,
        points=4,
        total=5,
        passed=True,
        submitted_at=AT,
        answers=(
            answer(city, [geneva], True),
            answer(q["Which are rivers?"], sorted(q["Which are rivers?"].correct_keys), True),
            answer(q["How many communities?"], " 171 ", True),
            answer(q["What is pi, roughly?"], "3,14", True),
            answer(q["Name the method"], "no idea", False),
        ),
    )
    made = xs.quiz_attempted(SITE, LEARNER, course, quiz, attempt)
    assert [s["verb"]["display"]["en-US"] for s in made] == ["answered"] * 5 + ["passed"]
    verdict = made[-1]
    assert verdict["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert verdict["object"]["id"] == "https://learn.example.org/courses/basics/quizzes/check"
    assert verdict["object"]["definition"]["type"] == xs.ASSESSMENT
    assert verdict["result"] == {
        "score": {"raw": 4, "min": 0, "max": 5, "scaled": 0.8},
        "success": True,
        "completion": True,
    }
    first = made[0]
    assert first["object"]["id"] == (
        f"https://learn.example.org/courses/basics/quizzes/check/questions/{city.key}"
    )
    assert first["result"] == {"success": True, "response": geneva}
    parents = first["context"]["contextActivities"]
    assert parents["parent"][0]["id"] == verdict["object"]["id"]
    assert parents["grouping"][0]["id"] == "https://learn.example.org/courses/basics"
    assert [s["result"]["response"] for s in made[2:5]] == ["171", "3.14", "no idea"]
    assert made[4]["result"]["success"] is False
    assert len({s["id"] for s in made}) == 6


def test_a_failed_attempt_says_failed(course):
    made = xs.quiz_attempted(
        SITE, LEARNER, course, course.quizzes[0], xs.Attempt(1, 1, 5, False, AT, ())
    )
    assert made[-1]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert made[-1]["result"]["success"] is False
    assert made[-1]["result"]["score"]["scaled"] == 0.2


def test_each_question_kind_becomes_its_cmi_interaction(course):
    quiz, q = course.quizzes[0], questions(course)

    def definition(text):
        return xs._interaction(SITE, course, quiz, q[text])["definition"]

    city = definition("Which city hosts the NGO?")
    geneva = next(o.key for o in q["Which city hosts the NGO?"].options if o.correct)
    assert city["type"] == xs.INTERACTION
    assert city["interactionType"] == "choice"
    assert city["correctResponsesPattern"] == [geneva]
    assert [c["description"]["fr"] for c in city["choices"]] == ["Paris", "Geneva", "Vienna"]
    assert city["name"] == {"fr": "Which city hosts the NGO?"}

    rivers = definition("Which are rivers?")
    keys = sorted(q["Which are rivers?"].correct_keys)
    assert rivers["interactionType"] == "choice"
    assert rivers["correctResponsesPattern"] == [f"{keys[0]}[,]{keys[1]}"]

    assert definition("How many communities?")["interactionType"] == "numeric"
    assert definition("How many communities?")["correctResponsesPattern"] == ["171"]
    assert definition("What is pi, roughly?")["correctResponsesPattern"] == ["3.13[:]3.15"]
    method = definition("Name the method")
    assert method["interactionType"] == "fill-in"
    assert method["correctResponsesPattern"] == [
        "{case_matters=false}Participatory action research",
        "{case_matters=false}PAR",
    ]
    assert "choices" not in method


def test_a_naive_time_is_refused(course):
    with pytest.raises(ValueError, match="naive"):
        xs.registered(SITE, LEARNER, course, dt.datetime(2026, 12, 4, 13, 0))
