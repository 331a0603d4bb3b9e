"""Public pages: the catalogue, a course overview, course assets."""

from flask import Blueprint, abort, render_template, send_file, session
from flask_login import current_user

from learnapp.caching import shared_page
from learnapp.catalogue import course_or_404, reading_course, visible_courses
from learnapp.certificates import service as certificates
from learnapp.cohorts import service as cohorts
from learnapp.content.assets import asset_file
from learnapp.models import now_utc
from learnapp.progress import service as progress_service
from learnapp.security import asset_type, lock_down_asset

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def index():
    courses = [reading_course(course) for course in visible_courses()]
    version = tuple((course.slug, course.version, course.language) for course in courses)
    return shared_page(version, lambda: render_template("catalogue/index.html", courses=courses))


@bp.get("/courses/<course_slug>")
def course(course_slug: str):
    course = reading_course(course_or_404(course_slug))
    if "_user_id" not in session or not current_user.is_authenticated:  # the first: no user load
        return shared_page(
            (course.slug, course.version, course.language),
            lambda: render_template("catalogue/course.html", course=course, progress=None),
        )
    current = certificate = None
    due_dates = cohorts.due_dates(
        current_user, {course.slug: course}, now_utc().date(), course_slug=course.slug
    )
    enrolled = progress_service.enrolment(current_user, course)
    if enrolled:
        current = progress_service.progress(current_user, course)
    if enrolled and enrolled.completed_at and course.certificate:
        certificate = certificates.latest_certificate(current_user, course.slug)
    return render_template(
        "catalogue/course.html",
        course=course,
        enrolled=enrolled,
        progress=current,
        certificate=certificate,
        due_dates=due_dates,
    )


@bp.get("/courses/<course_slug>/assets/<path:path>")
def asset(course_slug: str, path: str):
    course = course_or_404(course_slug)
    real = asset_file(course.path, path)
    if real is None:
        abort(404)
    mimetype, download = asset_type(real)
    response = send_file(real, mimetype=mimetype, as_attachment=download, max_age=86400)
    if course.status != "published":  # a draft is for staff: no shared cache may keep it
        response.cache_control.public = False
        response.cache_control.private = True
    return lock_down_asset(response)
