"""Quiz pages: take a quiz, submit it, see an attempt's result."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from learnapp import completion
from learnapp.catalogue import course_or_404, reading_course
from learnapp.errors import DomainMessage
from learnapp.extensions import db
from learnapp.progress import access
from learnapp.progress import service as progress_service
from learnapp.quizzes import service

bp = Blueprint("quizzes", __name__, url_prefix="/courses/<course_slug>/quizzes")


def _load(course_slug: str, quiz_slug: str, *, reading: bool = True):
    """The course and quiz as read (`reading`), or in the default language, which grades."""
    course = course_or_404(course_slug)
    course = reading_course(course) if reading else course
    quiz = course.quiz(quiz_slug)
    if quiz is None:
        abort(404)
    return course, quiz


def _check_access(course, quiz):
    """Enrolled learners, once the quiz is open; staff may always preview.

    The refusal (None to let in) and the enrolment, read with the progress in one query."""
    enrolled, current = progress_service.enrolment_and_progress(current_user, course)
    return access.refusal(course, quiz, enrolled, current), enrolled


def _page(course, quiz, form, *, given=None, missing=(), status=200):
    made = service.attempts(current_user, course, quiz)
    return render_template(
        "quizzes/take.html",
        course=course,
        quiz=quiz,
        form=form,
        attempts=made,
        attempts_left=service.attempts_left(quiz, len(made)),
        best=max((a.percent for a in made), default=None),
        given=given or {},
        missing=set(missing),
    ), status


@bp.get("/<quiz_slug>")
@login_required
def take(course_slug: str, quiz_slug: str):
    course, quiz = _load(course_slug, quiz_slug)
    denied, _enrolled = _check_access(course, quiz)
    if denied is not None:
        return denied
    return _page(course, quiz, service.new_attempt_form(current_user, course, quiz))


@bp.post("/<quiz_slug>")
@login_required
def submit(course_slug: str, quiz_slug: str):
    # Graded against the default language's file: every variant is keyed like it.
    course, quiz = _load(course_slug, quiz_slug, reading=False)
    denied, enrolled = _check_access(course, quiz)
    if denied is not None:
        return denied
    try:
        form = service.form_for_token(
            current_user, course, quiz, request.form.get("attempt_token", "")
        )
        numbers = service.attempt_numbers(current_user, course, quiz, form.nonce)
        if numbers.replayed is not None:
            return _to_result(course, quiz, numbers.replayed)
        answers = service.read_answers(form, request.form.to_dict(flat=False))
        attempt = service.submit(current_user, course, quiz, form, answers, numbers.used)
    except service.TamperedForm:
        refuse(400, _l("This quiz form was altered or belongs to another attempt."))
    except service.QuizChanged:
        refuse(409, _l("The quiz was updated while you were answering it."))
    except service.Unanswered as unanswered:
        course, quiz = _load(course_slug, quiz_slug)
        form = service.form_for_token(current_user, course, quiz, form.token)
        return _page(
            course, quiz, form, given=unanswered.given, missing=unanswered.missing, status=422
        )
    except service.NoAttemptsLeft:
        refuse(409, _l("You have used every attempt this quiz allows."))
    number = attempt.number  # read before the commit expires the attempt
    if attempt.passed:
        progress_service.finish_if_complete(current_user, course, enrolled)
        completion.commit_and_certify(current_user, course, enrolled)
    else:
        db.session.commit()
    return _to_result(course, quiz, number)


def refuse(status: int, reason) -> None:
    """Stop with a clear message; nothing of the submission was stored."""
    message = _("%(reason)s Nothing was recorded. Please open the quiz again.", reason=reason)
    abort(status, description=DomainMessage(message))


def _to_result(course, quiz, number: int):
    return redirect(
        url_for(".result", course_slug=course.slug, quiz_slug=quiz.slug, number=number), 303
    )


@bp.get("/<quiz_slug>/attempts/<int:number>")
@login_required
def result(course_slug: str, quiz_slug: str, number: int):
    course, quiz = _load(course_slug, quiz_slug)
    made = service.attempts(current_user, course, quiz)
    attempt = next((a for a in made if a.number == number), None)
    if attempt is None:
        abort(404)
    return render_template(
        "quizzes/result.html",
        course=course,
        quiz=quiz,
        attempt=attempt,
        attempts_left=service.attempts_left(quiz, len(made)),
        reveal=service.reveal_answers(quiz, made),
        progress=progress_service.progress(current_user, course),
    )
