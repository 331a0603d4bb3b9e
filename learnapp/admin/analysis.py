"""How content works: quiz item analysis and content status, for trainers and admins."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from learnapp.content.grading import normalise_short
from learnapp.content.model import Catalogue, Course, Option, Problem, Question, Quiz
from learnapp.extensions import db
from learnapp.models import QuizAttempt


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# The list of quizzes ------------------------------------------------------------------


@dataclass(frozen=True)
class QuizSummary:
    course: Course
    quiz: Quiz
    attempts: int = 0
    learners: int = 0
    passed: int = 0  # attempts that passed
    average_percent: float | None = None

    @property
    def pass_rate(self) -> int | None:
        return _percent(self.passed, self.attempts)


def quiz_summaries(courses: Mapping[str, Course]) -> list[QuizSummary]:
    """Every quiz of the catalogue with its attempt counts (one GROUP BY query)."""
    counts = {
        (row.course_slug, row.quiz_slug): row
        for row in db.session.execute(
            select(
                QuizAttempt.course_slug,
                QuizAttempt.quiz_slug,
                func.count().label("attempts"),
                func.count(QuizAttempt.user_id.distinct()).label("learners"),
                func.sum(case((QuizAttempt.passed, 1), else_=0)).label("passed"),
                func.avg(QuizAttempt.percent).label("average"),
            )
            .where(QuizAttempt.course_slug.in_(list(courses)))
            .group_by(QuizAttempt.course_slug, QuizAttempt.quiz_slug)
        )
    }
    summaries = []
    for course in courses.values():
        for quiz in course.quizzes:
            row = counts.get((course.slug, quiz.slug))
            summaries.append(
                QuizSummary(
                    course,
                    quiz,
                    row.attempts if row else 0,
                    row.learners if row else 0,
                    int(row.passed or 0) if row else 0,
                    float(row.average) if row and row.average is not None else None,
                )
            )
    return summaries


# One quiz, question by question -------------------------------------------------------


@dataclass
class OptionFigures:
    option: Option
    chosen: int = 0


@dataclass
class QuestionFigures:
    question: Question
    attempts: int = 0
    correct: int = 0
    first_attempts: int = 0
    first_correct: int = 0
    unanswered: int = 0
    options: list[OptionFigures] = field(default_factory=list)
    wrong_answers: Counter = field(default_factory=Counter)  # normalised text -> count
    wrong_spelling: dict = field(default_factory=dict)  # normalised -> first text seen

    @property
    def percent_correct(self) -> int | None:
        return _percent(self.correct, self.attempts)

    @property
    def percent_first_correct(self) -> int | None:
        return _percent(self.first_correct, self.first_attempts)

    def option_percent(self, figures: OptionFigures) -> int | None:
        return _percent(figures.chosen, self.attempts)

    @property
    def most_chosen_wrong(self) -> OptionFigures | None:
        """The wrong option chosen most often (None when no wrong option was ever chosen)."""
        wrong = [f for f in self.options if not f.option.correct and f.chosen]
        return max(wrong, key=lambda f: f.chosen) if wrong else None

    def top_wrong_answers(self, limit: int = 10) -> list[tuple[str, int]]:
        """Short answers marked wrong, most frequent first, as first typed."""
        return [(self.wrong_spelling[key], n) for key, n in self.wrong_answers.most_common(limit)]


@dataclass
class QuizAnalysis:
    course: Course
    quiz: Quiz
    attempts: int = 0
    first_attempts: int = 0
    learners: int = 0
    questions: list[QuestionFigures] = field(default_factory=list)
    retired_answers: int = 0  # answers to questions no longer in the quiz


def analyse_quiz(course: Course, quiz: Quiz, batch: int = 2000) -> QuizAnalysis:
    """Per question: attempts, % right (first attempt and overall), choices, wrong answers.

    One streamed query over the quiz's attempts; each stores its layout, answers and
    results, so a question is counted only where an attempt asked it (question pools).
    """
    analysis = QuizAnalysis(course, quiz)
    figures = {
        q.key: QuestionFigures(q, options=[OptionFigures(o) for o in q.options])
        for q in quiz.questions
    }
    learners: set[int] = set()
    rows = db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.number,
            QuizAttempt.layout,
            QuizAttempt.answers,
            QuizAttempt.results,
        )
        .where(QuizAttempt.course_slug == course.slug, QuizAttempt.quiz_slug == quiz.slug)
        .execution_options(yield_per=batch)
    )
    for user_id, number, layout, answers, results in rows:
        analysis.attempts += 1
        learners.add(user_id)
        first = number == 1
        analysis.first_attempts += first
        for question_key, _order in layout:
            stats = figures.get(question_key)
            if stats is None:
                analysis.retired_answers += 1
                continue
            right = bool(results.get(question_key))
            stats.attempts += 1
            stats.correct += right
            if first:
                stats.first_attempts += 1
                stats.first_correct += right
            answer = answers.get(question_key)
            if answer in (None, "", []):
                stats.unanswered += 1
            elif isinstance(answer, str):
                if not right:
                    normal = normalise_short(answer)
                    stats.wrong_answers[normal] += 1
                    stats.wrong_spelling.setdefault(normal, answer.strip())
            else:
                for option in stats.options:
                    if option.option.key in answer:
                        option.chosen += 1
    analysis.learners = len(learners)
    analysis.questions = list(figures.values())
    return analysis


# Content status -----------------------------------------------------------------------


@dataclass(frozen=True)
class CourseStatus:
    course: Course
    questions: int
    problems: tuple[Problem, ...]
    kept_since: dt.datetime | None = None  # served at its last good version since then

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class ContentStatus:
    courses: list[CourseStatus]
    excluded: tuple[str, ...]  # not served at all
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")

    @property
    def kept(self) -> list[CourseStatus]:
        """Courses served at their last good version because their files now have errors."""
        return [row for row in self.courses if row.kept_since is not None]


def content_status(catalogue: Catalogue) -> ContentStatus:
    """Every served course with its counts and problems, the left-out ones, every problem."""
    return ContentStatus(
        courses=[
            CourseStatus(
                course,
                sum(len(quiz.questions) for quiz in course.quizzes),
                catalogue.problems_of(course),
                catalogue.kept_since.get(course.slug),
            )
            for course in catalogue.courses.values()
        ],
        excluded=catalogue.left_out,
        problems=catalogue.problems,
    )
