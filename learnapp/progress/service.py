"""Enrolment, lesson completion, course progress and course completion."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, bindparam, exists, func, literal, literal_column, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from learnapp.content.model import Course, Lesson
from learnapp.dbutil import insert_many, insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Enrolment, LessonCompletion, QuizAttempt, User, now_utc
from learnapp.progress.rules import CourseProgress
from learnapp.xapi import service as xapi

# A reload of the same lesson within this time is not written again (no write per revisit).
VISIT_RESOLUTION = dt.timedelta(minutes=5)

# The two reads of every lesson page and "Mark complete", built once: building a statement
# costs as much as running it (bench/RESULTS.md).
_ENROLMENT = (
    db.select(Enrolment)
    .where(Enrolment.user_id == bindparam("user"), Enrolment.course_slug == bindparam("course"))
    .options(lazyload(Enrolment.user))  # the user is loaded already: no join needed
)
_DONE = union_all(
    db.select(LessonCompletion.lesson_slug, literal("lesson")).where(
        LessonCompletion.user_id == bindparam("user"),
        LessonCompletion.course_slug == bindparam("course"),
    ),
    db.select(QuizAttempt.quiz_slug, literal("quiz")).where(
        QuizAttempt.user_id == bindparam("user"),
        QuizAttempt.course_slug == bindparam("course"),
        QuizAttempt.passed.is_(True),
    ),
)

# "Mark complete" and the quiz pages read the enrolment with the slugs of the lessons done
# and of the quizzes passed (newline-separated: slugs have no newline) in one statement.
# Written on the tables, so that the lesson page's read below is plain SQL (no ORM).
_SEPARATOR = "\n"
# A literal in the SQL: as a parameter, aggregate_strings() renders the statement anew on
# every execution (a third of this read's cost on SQLite).
_SQL_SEPARATOR = literal_column(f"'{_SEPARATOR}'")
_ENROLMENTS, _COMPLETIONS, _ATTEMPTS = (
    model.__table__.c for model in (Enrolment, LessonCompletion, QuizAttempt)
)
_DONE_LESSONS = (
    db.select(func.aggregate_strings(_COMPLETIONS.lesson_slug, _SQL_SEPARATOR))
    .where(
        _COMPLETIONS.user_id == _ENROLMENTS.user_id,
        _COMPLETIONS.course_slug == _ENROLMENTS.course_slug,
    )
    .scalar_subquery()
)
_PASSED_QUIZZES = (
    db.select(func.aggregate_strings(_ATTEMPTS.quiz_slug, _SQL_SEPARATOR))
    .where(
        _ATTEMPTS.user_id == _ENROLMENTS.user_id,
        _ATTEMPTS.course_slug == _ENROLMENTS.course_slug,
        _ATTEMPTS.passed.is_(True),
    )
    .scalar_subquery()
)
_ENROLMENT_AND_DONE = (
    db.select(Enrolment, _DONE_LESSONS, _PASSED_QUIZZES)
    .where(Enrolment.user_id == bindparam("user"), Enrolment.course_slug == bindparam("course"))
    .options(lazyload(Enrolment.user))
)
# The lesson page's one read: of the enrolment only what record_visit() needs, as a row.
_VISIT_AND_DONE = db.select(
    _ENROLMENTS.id,
    _ENROLMENTS.last_lesson_slug,
    _ENROLMENTS.last_visited_at,
    _DONE_LESSONS.label("lessons"),
    _PASSED_QUIZZES.label("quizzes"),
).where(_ENROLMENTS.user_id == bindparam("user"), _ENROLMENTS.course_slug == bindparam("course"))
_RECORD_VISIT = (
    db.update(Enrolment.__table__)
    .where(_ENROLMENTS.id == bindparam("enrolment"))
    .values(last_lesson_slug=bindparam("lesson"), last_visited_at=bindparam("at"))
)


# "Mark complete": the lesson's completion, inserted only for an enrolled learner (the
# check is in the INSERT), so that the enrolment is read once, with the progress, after it.
_COMPLETION_COLUMNS = ("user_id", "course_slug", "lesson_slug", "course_version", "completed_at")
_COMPLETION_IF_ENROLLED = {
    dialect: insert(LessonCompletion.__table__)
    .from_select(
        _COMPLETION_COLUMNS,
        db.select(
            *(bindparam(name, type_=_COMPLETIONS[name].type) for name in _COMPLETION_COLUMNS)
        ).where(
            exists().where(
                Enrolment.user_id == bindparam("user_id"),
                Enrolment.course_slug == bindparam("course_slug"),
            )
        ),
    )
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
    for dialect, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


def enrolment(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    return db.session.scalar(_ENROLMENT, {"user": user.id, "course": course.slug})


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol the user (idempotent) and return the enrolment."""
    now = now_utc()
    if insert_or_ignore(Enrolment, user_id=user.id, course_slug=course.slug, enrolled_at=now):
        xapi.registered(user, course, now)
    return enrolment(user, course)


def enrol_many(pairs: list[tuple[int, Course]]) -> int:
    """Enrol each (user id, course) pair not enrolled yet, set-based; how many were new."""
    now = now_utc()
    courses = {course.slug: course for _, course in pairs}
    rows = [
        {"user_id": user_id, "course_slug": slug, "enrolled_at": now}
        for user_id, slug in dict.fromkeys((user_id, course.slug) for user_id, course in pairs)
    ]
    new = insert_many(Enrolment, rows, returning=(Enrolment.user_id, Enrolment.course_slug))
    xapi.registered_many(((user_id, courses[slug]) for user_id, slug in new), now)
    return len(new)


def progress(user: User, course: Course) -> CourseProgress:
    """The user's progress in the course as the course is now (one query)."""
    done = db.session.execute(_DONE, {"user": user.id, "course": course.slug}).all()
    return CourseProgress(
        course,
        frozenset(slug for slug, kind in done if kind == "lesson"),
        frozenset(slug for slug, kind in done if kind == "quiz"),
    )


def enrolment_and_progress(user: User, course: Course) -> tuple[Enrolment | None, CourseProgress]:
    """The user's enrolment and progress in the course: one query when enrolled."""
    row = db.session.execute(_ENROLMENT_AND_DONE, {"user": user.id, "course": course.slug}).first()
    if row is None:  # a preview: whatever was done before an unenrolment still shows
        return None, progress(user, course)
    enrolled, lessons, quizzes = row
    return enrolled, _progress_of(course, lessons, quizzes)


def visit_and_progress(user: User, course: Course) -> tuple[Row | None, CourseProgress]:
    """As enrolment_and_progress(), for the lesson page: the enrolment as a row of its id
    and last visit (for record_visit), or None when not enrolled."""
    row = db.session.execute(_VISIT_AND_DONE, {"user": user.id, "course": course.slug}).first()
    if row is None:
        return None, progress(user, course)
    return row, _progress_of(course, row.lessons, row.quizzes)


def _progress_of(course: Course, lessons: str | None, quizzes: str | None) -> CourseProgress:
    return CourseProgress(
        course,
        frozenset(lessons.split(_SEPARATOR)) if lessons else frozenset(),
        frozenset(quizzes.split(_SEPARATOR)) if quizzes else frozenset(),
    )


def record_visit(visit: Row, lesson: Lesson) -> None:
    """Remember the last lesson viewed, for "Continue" (`visit`: from visit_and_progress)."""
    now = now_utc()
    if (
        visit.last_lesson_slug == lesson.slug
        and visit.last_visited_at is not None
        and now - visit.last_visited_at < VISIT_RESOLUTION
    ):
        return
    db.session.execute(_RECORD_VISIT, {"enrolment": visit.id, "lesson": lesson.slug, "at": now})


def complete_lesson(
    user: User, course: Course, lesson: Lesson, enrolled: Enrolment | None = None
) -> CourseProgress:
    """Record the lesson as complete (once) and finish the course if that was the last step."""
    now = now_utc()
    if insert_or_ignore(
        LessonCompletion,
        user_id=user.id,
        course_slug=course.slug,
        lesson_slug=lesson.slug,
        course_version=course.version,
        completed_at=now,
    ):
        xapi.lesson_completed(user, course, lesson, now)
    return finish_if_complete(user, course, enrolled)


def complete_enrolled_lesson(
    user: User, course: Course, lesson: Lesson
) -> tuple[Enrolment | None, CourseProgress]:
    """Record the lesson as complete (once) if the user is enrolled, then the enrolment and
    the progress after it (one query each), finishing the course if that was the last step.
    No enrolment: nothing is written."""
    now = now_utc()
    values = {
        "user_id": user.id,
        "course_slug": course.slug,
        "lesson_slug": lesson.slug,
        "course_version": course.version,
        "completed_at": now,
    }
    statement = _COMPLETION_IF_ENROLLED[db.session.get_bind().dialect.name]
    if db.session.execute(statement, values).rowcount == 1:
        xapi.lesson_completed(user, course, lesson, now)
    enrolled, current = enrolment_and_progress(user, course)
    if enrolled is None:
        return None, current
    return enrolled, _finish(user, course, enrolled, current)


def finish_if_complete(
    user: User, course: Course, enrolled: Enrolment | None = None
) -> CourseProgress:
    """Mark the enrolment complete once every step is done (kept, whatever changes later).

    The certificate is issued by the caller after this is committed (`learnapp.completion`).
    """
    current = progress(user, course)  # read again: a racing request may have done a step
    return _finish(user, course, enrolled, current)


def _finish(
    user: User, course: Course, enrolled: Enrolment | None, current: CourseProgress
) -> CourseProgress:
    if not current.complete:
        return current
    enrolled = enrolled or enrolment(user, course)
    if enrolled is not None and enrolled.completed_at is None:
        now = now_utc()
        # Only where still unfinished: of two racing requests, one finishes the course.
        finished = db.session.execute(
            db.update(Enrolment)
            .where(Enrolment.id == enrolled.id, Enrolment.completed_at.is_(None))
            .values(completed_at=now, completed_version=course.version)
        )
        if finished.rowcount == 1:
            xapi.course_completed(user, course, now)
    return current
