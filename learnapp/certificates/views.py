"""Certificate downloads and public verification."""

from io import BytesIO

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnapp.certificates import service
from learnapp.certificates.forms import VerifyForm
from learnapp.errors import DomainMessage
from learnapp.extensions import db, limiter
from learnapp.models import Certificate

bp = Blueprint("certificates", __name__)

VERIFY_LIMIT = "60 per minute"


@bp.get("/certificates/<code>.pdf")
def download(code: str):
    certificate = service.find_by_code(code)
    allowed = (
        current_user.is_authenticated
        and certificate is not None
        and (current_user.is_admin or certificate.user_id == current_user.id)
    )
    if not allowed:
        abort(404)
    pdf = db.session.scalar(db.select(Certificate.pdf).where(Certificate.id == certificate.id))
    if not pdf:  # the holder withdrew their account: the PDF printing their name is gone
        abort(404)
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{certificate.code}.pdf",
        etag=certificate.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_code(code: str):
    certificate = service.find_by_code(code)
    if certificate is None:
        abort(
            404,
            description=DomainMessage(_("No certificate has this code. Check it and try again.")),
        )
    if certificate.code != code:
        return redirect(url_for(".verify_code", code=certificate.code), 301)
    return render_template(
        "certificates/verify.html", certificate=certificate, status=service.status_of(certificate)
    )


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(VERIFY_LIMIT, methods=["POST"])
def verify():
    form = VerifyForm()
    outcome = None
    if form.validate_on_submit():
        if form.pdf.data:
            certificate = service.find_by_pdf(form.pdf.data.read())
            outcome = "genuine" if certificate else "unknown_pdf"
            if certificate:
                return render_template(
                    "certificates/verify.html",
                    certificate=certificate,
                    status=service.status_of(certificate),
                    genuine_upload=True,
                )
        elif form.code.data:
            certificate = service.find_by_code(form.code.data)
            if certificate:
                return redirect(url_for(".verify_code", code=certificate.code), 303)
            form.code.errors.append(_("No certificate has this code. Check it and try again."))
        else:
            form.code.errors.append(_("Enter a code or choose a PDF file."))
    return render_template("certificates/verify_form.html", form=form, outcome=outcome)
