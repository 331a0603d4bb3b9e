"""Public pages: the catalogue, a course overview, course assets."""

from flask import Blueprint, abort, render_template, send_from_directory
from flask_login import current_user

from learnapp.catalogue import course_or_404, visible_courses
from learnapp.progress import service as progress_service

bp = Blueprint("catalogue", __name__)

HIDDEN_ASSET_SUFFIXES = (".md", ".html")  # lesson sources and templates are not assets


@bp.get("/")
def index():
    return render_template("catalogue/index.html", courses=visible_courses())


@bp.get("/courses/<course_slug>")
def course(course_slug: str):
    course = course_or_404(course_slug)
    enrolled = current = None
    if current_user.is_authenticated:
        enrolled = progress_service.enrolment(current_user, course)
        if enrolled:
            current = progress_service.progress(current_user, course)
    return render_template(
        "catalogue/course.html", course=course, enrolled=enrolled, progress=current
    )


@bp.get("/courses/<course_slug>/assets/<path:path>")
def asset(course_slug: str, path: str):
    course = course_or_404(course_slug)
    if path.lower().endswith(HIDDEN_ASSET_SUFFIXES):
        abort(404)
    return send_from_directory(course.path, path, max_age=86400)
