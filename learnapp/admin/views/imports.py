"""Bulk import of learners: upload a CSV, preview what will happen, confirm, get the links.

Admins import into any organisation, partner managers into theirs (the scope decides,
row by row). The confirming form carries only its CSRF token; the file stays on the
server under its random id, so a tampered form cannot change what is imported.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnapp import audit
from learnapp.admin import imports
from learnapp.admin.forms import ConfirmImportForm, ImportForm
from learnapp.admin.importfile import COLUMNS, Problem, parse
from learnapp.admin.views import bp
from learnapp.admin.views.common import flash_form_errors, viewer_scope
from learnapp.auth.roles import reports_required
from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.mail import service as mail

PROBLEMS = {
    "not_utf8": _l(
        "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”; in LibreOffice, "
        "choose the character set “Unicode (UTF-8)”."
    ),
    "empty": _l("The file is empty."),
    "malformed": _l("line %(value)s: a quoted field is not closed, so the file cannot be read."),
    "header": _l(
        "line 1 must name the columns (email, name, organisation, language, cohort); "
        "missing: %(value)s."
    ),
    "too_many": _l("The file has more than %(value)s rows: split it into several files."),
    "columns": _l("more fields than the first line names columns (%(value)s)"),
    "too_long": _l("the %(value)s is too long"),
    "no_email": _l("no e-mail address"),
    "bad_email": _l("“%(value)s” is not an e-mail address"),
    "duplicate": _l("%(value)s is already on line %(other)s"),
    "no_name": _l("no name"),
    "bad_language": _l("the language “%(value)s” is not one of %(languages)s"),
    "bad_name": _l("the name: %(value)s"),
    "bad_organisation": _l("the organisation's name: %(value)s"),
    "not_your_organisation": _l("you do not manage the organisation “%(value)s”"),
    "organisation_required": _l("name one of the organisations you manage"),
    "no_cohort": _l("no cohort named “%(value)s” that you may use"),
    "not_yours": _l(
        "an account with this e-mail belongs to another organisation: ask an administrator"
    ),
    "inactive": _l("this account is deactivated"),
}


def problem_text(problem: Problem) -> str:
    """`line N: reason`, in the reader's language (the whole file: just the reason)."""
    reason = str(PROBLEMS[problem.code]) % {
        "value": problem.value,
        "other": problem.other_line,
        "languages": ", ".join(current_app.config["LANGUAGES"]),
    }
    if problem.line == 0:
        return reason
    return _("line %(line)d: %(reason)s", line=problem.line, reason=reason)


@bp.route("/learners/import", methods=["GET", "POST"])
@reports_required
def import_learners():
    """Upload the file: if it can be read at all, it is kept and previewed."""
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        parsed = parse(data, current_app.config["LANGUAGES"])
        if parsed.readable:
            batch = imports.store(data, form.file.data.filename or "", current_user)
            return redirect(url_for(".import_preview", batch=batch), 303)
        form.file.errors.extend(problem_text(p) for p in parsed.problems)
    return render_template(
        "admin/import.html", form=form, columns=COLUMNS, mail_configured=mail.configured()
    ), 422 if form.errors else 200


@bp.get("/learners/import/<batch>")
@reports_required
def import_preview(batch: str):
    """What the import will do, row by row; once confirmed, what it did."""
    upload = _upload_or_404(batch)
    if upload.claimed:
        return render_template("admin/import_result.html", upload=upload, days=imports.KEEP_DAYS)
    plan = imports.plan(
        upload.data, viewer_scope(), current_app.config["LANGUAGES"], current_user.language
    )
    return render_template(
        "admin/import_preview.html",
        upload=upload,
        plan=plan,
        actions=imports.Action,
        shown=imports.PREVIEW_ROWS,
        form=ConfirmImportForm(),
        problem_text=problem_text,
        mail_configured=mail.configured(),
    )


@bp.post("/learners/import/<batch>")
@reports_required
def import_confirm(batch: str):
    """Do the import, once: a second confirmation (a double click) shows the first's result."""
    upload = _upload_or_404(batch)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".import_preview", batch=batch), 303)
    if not imports.claim(batch):
        return redirect(url_for(".import_preview", batch=batch), 303)
    send_mail = mail.configured()
    try:
        result, links = imports.run(
            batch,
            upload.data,
            current_user,
            viewer_scope(),
            languages=current_app.config["LANGUAGES"],
            courses=catalogue().courses,
            link=lambda token: mail.absolute(url_for("auth.welcome", token=token)),
            send_mail=send_mail,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        imports.release(batch)
        raise
    imports.save_result(batch, result, links)
    flash(
        _(
            "Import done: %(created)d account(s) created, %(enrolled)d existing account(s) "
            "enrolled, %(skipped)d row(s) skipped.",
            created=result.created,
            enrolled=result.enrolled,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for(".import_preview", batch=batch), 303)


@bp.get("/learners/import/<batch>/links.csv")
@reports_required
def import_links(batch: str):
    """The invitation links of an import done without a mail server, to hand over."""
    _upload_or_404(batch)
    data = imports.links_csv(batch)
    if data is None:
        abort(404)
    audit.record(current_user, "export.invitation_links", f"import:{batch}", "")
    db.session.commit()
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="invitation-links-{batch}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _upload_or_404(batch: str) -> imports.Upload:
    """The upload, if this viewer made it (or is an admin); 404 for any other id."""
    upload = imports.load(batch, current_user)
    if upload is None:
        abort(404)
    return upload
