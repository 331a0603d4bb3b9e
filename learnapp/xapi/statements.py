"""xAPI 1.0.3 statements built from plain values: pure, no Flask, no database.

Every statement names the learner by a pseudonym only (an `account` on our base URL,
never the e-mail or the name), and gets an id derived from what happened (a UUID 5 in
the site's namespace), so that the same event always makes the same statement and a
resend changes nothing in the Learning Record Store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from learnapp.content.grading import parse_number
from learnapp.content.model import Course, Lesson, Question, Quiz
from learnapp.content.sanitize import plain_text

VERSION = "1.0.3"
PLATFORM = "LearnApp"
ADL = "http://adlnet.gov/expapi"
VERBS = {
    "registered": f"{ADL}/verbs/registered",
    "completed": f"{ADL}/verbs/completed",
    "answered": f"{ADL}/verbs/answered",
    "passed": f"{ADL}/verbs/passed",
    "failed": f"{ADL}/verbs/failed",
}
COURSE = f"{ADL}/activities/course"
LESSON = f"{ADL}/activities/lesson"
ASSESSMENT = f"{ADL}/activities/assessment"
INTERACTION = f"{ADL}/activities/cmi.interaction"
# The delimiter of xAPI response patterns ("a[,]b") and of numeric ranges ("3.4[:]3.6").
LIST, RANGE = "[,]", "[:]"


@dataclass(frozen=True, slots=True)
class Site:
    """Where the statements come from: the public base URL names every activity."""

    base_url: str

    @property
    def home(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def namespace(self) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, self.home)

    def statement_id(self, *parts: str) -> str:
        return str(uuid.uuid5(self.namespace, "/".join(parts)))


@dataclass(frozen=True, slots=True)
class Answer:
    """One question of an attempt: the response (option keys, or the text typed)."""

    question: Question
    response: Sequence[str] | str
    correct: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    """One graded quiz attempt, as stored."""

    number: int
    points: int
    total: int
    passed: bool
    submitted_at: dt.datetime
    answers: tuple[Answer, ...]


def registered(site: Site, learner: str, course: Course, at: dt.datetime) -> dict:
    """The learner enrolled in the course."""
    return _course_event(site, learner, course, at, "registered", None)


def lesson_completed(
    site: Site, learner: str, course: Course, lesson: Lesson, at: dt.datetime
) -> dict:
    """The learner marked a lesson complete."""
    return _statement(
        site,
        ("completed", learner, course.slug, "lessons", lesson.slug),
        learner,
        "completed",
        _activity(_lesson_iri(site, course, lesson), LESSON, lesson.title, _language(course)),
        course,
        at,
        result={"completion": True},
        parent=_course(site, course),
    )


def course_completed(site: Site, learner: str, course: Course, at: dt.datetime) -> dict:
    """The learner finished every step of the course (sent once: completion is kept)."""
    return _course_event(site, learner, course, at, "completed", {"completion": True})


def _course_event(
    site: Site, learner: str, course: Course, at: dt.datetime, verb: str, result: dict | None
) -> dict:
    key = (verb, learner, course.slug)
    activity = _course(site, course)
    return _statement(site, key, learner, verb, activity, course, at, result=result)


def quiz_attempted(
    site: Site, learner: str, course: Course, quiz: Quiz, attempt: Attempt
) -> list[dict]:
    """`answered` for each question asked, then `passed` or `failed` for the attempt."""
    quiz_activity = _activity(
        _quiz_iri(site, course, quiz), ASSESSMENT, quiz.title, _language(course)
    )
    key = ("attempt", learner, course.slug, quiz.slug, str(attempt.number))
    made = [
        _statement(
            site,
            (*key, answer.question.key),
            learner,
            "answered",
            _interaction(site, course, quiz, answer.question),
            course,
            attempt.submitted_at,
            result={"success": answer.correct, "response": response(answer)},
            parent=quiz_activity,
            grouping=_course(site, course),
        )
        for answer in attempt.answers
    ]
    scaled = round(attempt.points / attempt.total, 4) if attempt.total else 0
    made.append(
        _statement(
            site,
            key,
            learner,
            "passed" if attempt.passed else "failed",
            quiz_activity,
            course,
            attempt.submitted_at,
            result={
                "score": {"raw": attempt.points, "min": 0, "max": attempt.total, "scaled": scaled},
                "success": attempt.passed,
                "completion": True,
            },
            parent=_course(site, course),
        )
    )
    return made


# Interactions ---------------------------------------------------------------------------


def interaction_type(question: Question) -> str:
    """choice (one or several options), numeric (every accepted answer a number), fill-in."""
    if question.kind != "short":
        return "choice"
    if all(accepted.number is not None for accepted in question.accepted):
        return "numeric"
    return "fill-in"


def correct_responses(question: Question) -> list[str]:
    """The correctResponsesPattern: each alternative that is right."""
    kind = interaction_type(question)
    if kind == "choice":
        return [LIST.join(sorted(question.correct_keys))]
    if kind == "numeric":
        return [_range(accepted.number, accepted.tolerance) for accepted in question.accepted]
    return ["{case_matters=false}" + accepted.label for accepted in question.accepted]


def response(answer: Answer) -> str:
    """The learner's response in the interaction's format."""
    if isinstance(answer.response, str):
        if interaction_type(answer.question) == "numeric":
            number = parse_number(answer.response)
            if number is not None:
                return _number(number)
        return answer.response.strip()
    return LIST.join(sorted(answer.response))


def _range(number: float, tolerance: float) -> str:
    if not tolerance:
        return _number(number)
    return f"{_number(number - tolerance)}{RANGE}{_number(number + tolerance)}"


def _number(value: float) -> str:
    return f"{value:.10g}"


def _interaction(site: Site, course: Course, quiz: Quiz, question: Question) -> dict:
    language = _language(course)
    definition = {
        "type": INTERACTION,
        "name": {language: question.text or question.key},
        "interactionType": interaction_type(question),
        "correctResponsesPattern": correct_responses(question),
    }
    prompt = plain_text(question.prompt_html)
    if prompt:
        definition["description"] = {language: prompt}
    if question.kind != "short":
        definition["choices"] = [
            {"id": option.key, "description": {language: plain_text(option.html) or option.key}}
            for option in question.options
        ]
    iri = f"{_quiz_iri(site, course, quiz)}/questions/{quote(question.key, safe='')}"
    return {"objectType": "Activity", "id": iri, "definition": definition}


# The statement and its parts ----------------------------------------------------------


def _statement(
    site: Site,
    key: tuple[str, ...],
    learner: str,
    verb: str,
    activity: dict,
    course: Course,
    at: dt.datetime,
    *,
    result: dict | None = None,
    parent: dict | None = None,
    grouping: dict | None = None,
) -> dict:
    context: dict = {
        "registration": site.statement_id("registration", learner, course.slug),
        "platform": PLATFORM,
        "language": _language(course),
    }
    activities = {}
    if parent:
        activities["parent"] = [_reference(parent)]
    if grouping:
        activities["grouping"] = [_reference(grouping)]
    if activities:
        context["contextActivities"] = activities
    statement = {
        "id": site.statement_id(*key),
        "actor": {"objectType": "Agent", "account": {"homePage": site.home, "name": learner}},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": activity,
        "context": context,
        "timestamp": timestamp(at),
        "version": VERSION,
    }
    if result is not None:
        statement["result"] = result
    return statement


def timestamp(at: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds (the LRS keeps what it is given)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to an xAPI statement")
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _reference(activity: dict) -> dict:
    """An activity as named in a context: its id and type, without the rest."""
    return {
        "objectType": "Activity",
        "id": activity["id"],
        "definition": {"type": activity["definition"]["type"]},
    }


def _activity(iri: str, kind: str, title: str, language: str) -> dict:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"type": kind, "name": {language: title}},
    }


def _language(course: Course) -> str:
    return course.language or "en"


def _course(site: Site, course: Course) -> dict:
    return _activity(f"{site.home}/courses/{course.slug}", COURSE, course.title, _language(course))


def _lesson_iri(site: Site, course: Course, lesson: Lesson) -> str:
    return f"{site.home}/courses/{course.slug}/{lesson.slug}"


def _quiz_iri(site: Site, course: Course, quiz: Quiz) -> str:
    return f"{site.home}/courses/{course.slug}/quizzes/{quiz.slug}"
