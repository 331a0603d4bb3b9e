"""Who may open a lesson or a quiz: enrolled learners once it is open; staff always."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Row

from learnapp.content.model import Course, Lesson, Quiz
from learnapp.models import Enrolment
from learnapp.progress.rules import CourseProgress


def refusal(
    course: Course, step: Lesson | Quiz, enrolled: Enrolment | Row | None, current: CourseProgress
):
    """The response that keeps the current user out of `step`, or None to let them in."""
    if current_user.is_staff:
        return None
    if enrolled is None:
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalogue.course", course_slug=course.slug))
    if (blocker := current.blocker(step)) is not None:
        page = render_template("progress/locked.html", course=course, step=step, blocker=blocker)
        return page, 403
    return None
