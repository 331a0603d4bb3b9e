"""Enrol, read lessons, mark them complete, "My learning" and the learner's data."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnapp import completion
from learnapp.caching import not_modified, personal_etag, revalidate
from learnapp.catalogue import catalogue, course_or_404, reading_course, step_url
from learnapp.cohorts import service as cohorts
from learnapp.extensions import db
from learnapp.models import now_utc
from learnapp.progress import access, book, learner_data, service

bp = Blueprint("progress", __name__)


def _lesson_or_404(course, lesson_slug: str):
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    return lesson


@bp.post("/courses/<course_slug>/enrol")
@login_required
def enrol(course_slug: str):
    course = course_or_404(course_slug)
    service.enrol(current_user, course)
    db.session.commit()
    first = service.progress(current_user, course).next_step()
    return redirect(
        step_url(course, first) if first else url_for("catalogue.course", course_slug=course.slug),
        303,
    )


@bp.get("/courses/<course_slug>/<lesson_slug>")
@login_required
def lesson(course_slug: str, lesson_slug: str):
    course = reading_course(course_or_404(course_slug))
    lesson = _lesson_or_404(course, lesson_slug)
    user = current_user._get_current_object()  # a SessionUser here (auth.views.WHO_ONLY_PAGES)
    enrolled, current = service.visit_and_progress(user, course)
    if (refused := access.refusal(course, lesson, enrolled, current)) is not None:
        return refused
    if enrolled:
        service.record_visit(enrolled, lesson)
    # Committed before rendering: the page reads plain rows, and SQLite's write lock is
    # released sooner.
    db.session.commit()
    etag = personal_etag(
        course.version,
        course.language,
        lesson.slug,
        user.id,
        user.role,
        enrolled is not None,
        sorted(current.done_lessons),
        sorted(current.passed_quizzes),
    )
    if (unchanged := not_modified(etag)) is not None:
        return unchanged
    steps = current.steps
    position = steps.index(lesson)
    page = render_template(
        "progress/lesson.html",
        course=course,
        lesson=lesson,
        progress=current,
        enrolled=enrolled,
        previous=steps[position - 1] if position > 0 else None,
        following=steps[position + 1] if position + 1 < len(steps) else None,
    )
    return revalidate(make_response(page), etag)


@bp.post("/courses/<course_slug>/<lesson_slug>/complete")
@login_required
def complete(course_slug: str, lesson_slug: str):
    course = course_or_404(course_slug)
    lesson = _lesson_or_404(course, lesson_slug)
    # Only a sequential course can lock a step: skip reading progress twice otherwise.
    if course.sequential:
        enrolled, before = service.enrolment_and_progress(current_user, course)
        if enrolled is None or not before.is_open(lesson):
            abort(403)
    enrolled, current = service.complete_enrolled_lesson(current_user, course, lesson)
    if enrolled is None:
        abort(403)  # nothing was written
    completion.commit_and_certify(current_user, course, enrolled)
    if current.complete:
        flash(_("Well done: you have completed this course."), "success")
        return redirect(url_for("catalogue.course", course_slug=course.slug), 303)
    steps = current.steps
    position = steps.index(lesson)
    following = steps[position + 1] if position + 1 < len(steps) else current.next_step()
    return redirect(step_url(course, following), 303)


@bp.get("/courses/<course_slug>/course.pdf")
@login_required
def course_pdf(course_slug: str):
    course = reading_course(course_or_404(course_slug))
    lessons = course.lessons
    if not current_user.is_staff:
        if service.enrolment(current_user, course) is None:
            abort(403)
        # Only what the learner may open: a sequential course's locked lessons stay out.
        current = service.progress(current_user, course)
        lessons = tuple(lesson for lesson in lessons if current.is_open(lesson))
    try:
        pdf = book.course_pdf(course, str(get_locale()), tuple(lessons))
    except book.BookUnavailable:
        page = render_template(
            "errors/error.html",
            code=503,
            title=_("The PDF could not be made"),
            detail=_(
                "This course could not be made into one PDF. You can still read every lesson"
                " online; try the download again later."
            ),
        )
        return page, 503, {"Retry-After": str(book.RETRY_AFTER_FAILURE)}
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"{course.slug}.pdf",
        etag=f"{course.version[:32]}-{get_locale()}-{course.language}-{len(lessons)}",
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/me")
@login_required
def my_learning():
    return render_template(
        "progress/me.html",
        learning=learner_data.my_learning(current_user),
        due_dates=cohorts.due_dates(current_user, catalogue().courses, now_utc().date()),
    )


@bp.get("/me/data.json")
@login_required
def my_data():
    response = learner_data.export(current_user)
    return response, 200, {"Content-Disposition": 'attachment; filename="learnapp-my-data.json"'}
