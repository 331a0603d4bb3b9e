"""Enrolment, lesson completion, course progress and course completion."""

from __future__ import annotations

from learnapp.content.model import Course, Lesson
from learnapp.dbutil import insert_or_ignore
from learnapp.extensions import db
from learnapp.models import Enrolment, LessonCompletion, QuizAttempt, User, now_utc
from learnapp.progress.rules import CourseProgress


def enrolment(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    return db.session.scalar(
        db.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_slug == course.slug
        )
    )


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol the user (idempotent) and return the enrolment."""
    insert_or_ignore(Enrolment, user_id=user.id, course_slug=course.slug, enrolled_at=now_utc())
    return enrolment(user, course)


def progress(user: User, course: Course) -> CourseProgress:
    """The user's progress in the course as the course is now."""
    lessons = db.session.scalars(
        db.select(LessonCompletion.lesson_slug).where(
            LessonCompletion.user_id == user.id, LessonCompletion.course_slug == course.slug
        )
    )
    quizzes = db.session.scalars(
        db.select(QuizAttempt.quiz_slug)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.course_slug == course.slug,
            QuizAttempt.passed.is_(True),
        )
        .distinct()
    )
    return CourseProgress(course, frozenset(lessons), frozenset(quizzes))


def record_visit(enrolled: Enrolment, lesson: Lesson) -> None:
    """Remember the last lesson viewed, for "Continue"."""
    enrolled.last_lesson_slug = lesson.slug
    enrolled.last_visited_at = now_utc()


def complete_lesson(user: User, course: Course, lesson: Lesson) -> CourseProgress:
    """Record the lesson as complete (once) and finish the course if that was the last step."""
    insert_or_ignore(
        LessonCompletion,
        user_id=user.id,
        course_slug=course.slug,
        lesson_slug=lesson.slug,
        course_version=course.version,
        completed_at=now_utc(),
    )
    return finish_if_complete(user, course)


def finish_if_complete(user: User, course: Course) -> CourseProgress:
    """Mark the enrolment complete once every step is done, and issue the certificate."""
    current = progress(user, course)
    enrolled = enrolment(user, course)
    if current.complete and enrolled is not None:
        if enrolled.completed_at is None:
            enrolled.completed_at = now_utc()
            enrolled.completed_version = course.version
            db.session.flush()
        if course.certificate:
            from learnapp.certificates.service import issue_certificate

            issue_certificate(user, course, enrolled)
    return current
