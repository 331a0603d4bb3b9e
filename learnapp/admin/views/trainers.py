"""Trainers' read-only views: quiz item analysis and content status."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
)

from learnapp.admin import analysis
from learnapp.admin.views import bp
from learnapp.auth.roles import trainer_required
from learnapp.catalogue import catalogue


@bp.get("/quizzes")
@trainer_required
def quizzes():
    return render_template(
        "admin/quizzes.html", summaries=analysis.quiz_summaries(catalogue().courses)
    )


@bp.get("/quizzes/<course_slug>/<quiz_slug>")
@trainer_required
def quiz(course_slug: str, quiz_slug: str):
    course = catalogue().courses.get(course_slug)
    found = course.quiz(quiz_slug) if course else None
    if found is None:
        abort(404)
    return render_template("admin/quiz.html", analysis=analysis.analyse_quiz(course, found))


@bp.get("/content")
@trainer_required
def content():
    return render_template("admin/content.html", status=analysis.content_status(catalogue()))
