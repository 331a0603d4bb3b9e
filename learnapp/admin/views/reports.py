"""Downloads: completions and attempts CSV, certificates ZIP."""

from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    abort,
)
from flask_login import current_user

from learnapp.admin import reports, service
from learnapp.admin.forms import (
    FilterForm,
)
from learnapp.admin.reports import Filters
from learnapp.admin.views import bp
from learnapp.admin.views.common import filter_form
from learnapp.auth.roles import reports_required
from learnapp.catalogue import catalogue
from learnapp.dbutil import without_jit
from learnapp.errors import DomainMessage
from learnapp.extensions import db


@bp.get("/reports/completions.csv")
@reports_required
def completions_csv():
    return _csv_report(
        "completions_csv", reports.COMPLETION_COLUMNS, reports.completion_records, "completions"
    )


@bp.get("/reports/attempts.csv")
@reports_required
def attempts_csv():
    return _csv_report(
        "attempts_csv", reports.ATTEMPT_COLUMNS, reports.attempt_records, "quiz-attempts"
    )


def _csv_report(export: str, columns, records, name: str) -> Response:
    """A filtered report streamed as CSV, its export audited first."""
    filters = _valid_filters(filter_form())
    service.record_export(current_user, export, filters)
    db.session.commit()
    courses = catalogue().courses
    return _stream(
        lambda connection: reports.csv_chunks(columns, records(courses, filters, connection)),
        "text/csv",
        _download_name(name, filters, "csv"),
    )


@bp.get("/courses/<course_slug>/certificates.zip")
@reports_required
def certificates_zip(course_slug: str):
    course = catalogue().courses.get(course_slug)
    if course is None:
        abort(404)
    chosen = filter_form().filters()
    filters = Filters(organisation=chosen.organisation, scope=chosen.scope)
    service.record_export(current_user, "certificates_zip", filters, course=course.slug)
    db.session.commit()
    return _stream(
        lambda connection: reports.certificate_zip_chunks(course, filters, connection),
        "application/zip",
        _download_name(f"certificates-{course.slug}", filters, "zip"),
    )


def _valid_filters(form: FilterForm) -> Filters:
    """The filters of a download; a date the reports cannot use is a 400 naming it."""
    filters = form.filters()
    if error := form.date_error():
        abort(400, DomainMessage(error))
    return filters


def _download_name(stem: str, filters: Filters, extension: str) -> str:
    """A plain ASCII file name: no quoting or path tricks are possible."""
    parts = [stem, dt.date.today().isoformat()]
    if filters.organisation is not None:
        parts.append(f"organisation-{filters.organisation}")
    if filters.cohort is not None:
        parts.append(f"cohort-{filters.cohort}")
    if filters.enrolled_from:
        parts.append(f"from-{filters.enrolled_from.isoformat()}")
    if filters.enrolled_to:
        parts.append(f"to-{filters.enrolled_to.isoformat()}")
    return "-".join(parts) + "." + extension


def _stream(produce, mimetype: str, filename: str) -> Response:
    """Stream what `produce(connection)` yields, read on a database connection of its own.

    The generator needs no request or app context (the response outlives the view's),
    so it works from whichever thread or context the server reads it, and a dropped
    download closes the connection.
    """
    engine = db.engine

    def generate():
        with engine.connect() as connection:
            without_jit(connection)
            yield from produce(connection)

    response = Response(generate(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
