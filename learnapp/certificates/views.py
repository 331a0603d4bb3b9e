"""Certificate downloads and public verification."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnapp.certificates import service
from learnapp.certificates.forms import VerifyForm
from learnapp.credentials.verify import MAX_BYTES, Rejected
from learnapp.errors import DomainMessage
from learnapp.extensions import db, limiter
from learnapp.models import Certificate

bp = Blueprint("certificates", __name__)

VERIFY_LIMIT = "60 per minute"


def may_download(certificate) -> bool:
    """The holder and the admins may download a certificate's files (`certificate` is a
    Certificate or a row with its user_id)."""
    return current_user.is_authenticated and (
        current_user.is_admin or certificate.user_id == current_user.id
    )


def _downloadable(code: str) -> Certificate:
    certificate = service.find_by_code(code)
    if certificate is None or not may_download(certificate):
        abort(404)
    return certificate


@bp.get("/certificates/<code>.pdf")
def download(code: str):
    """The stored PDF, as issued: read once with its holder, and its digest as the ETag."""
    found = service.stored_pdf(code) if current_user.is_authenticated else None
    # No PDF: the holder withdrew their account, and the PDF printing their name is gone.
    if found is None or not may_download(found) or not found.pdf:
        abort(404)
    response = Response(found.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{found.code}.pdf"'
    # Revalidated every time (a 304 when unchanged) so the owner check runs on each use:
    # a shared browser must not hand the file to the next person from its cache.
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(found.sha256)
    return response.make_conditional(request, accept_ranges=True, complete_length=len(found.pdf))


@bp.get("/certificates/<code>.json")
def credential(code: str):
    """The signed Open Badges 3.0 credential, for the holder's wallet."""
    certificate = _downloadable(code)
    text = db.session.scalar(
        db.select(Certificate.credential).where(Certificate.id == certificate.id)
    )
    if not text:  # issued before credentials (see `certificates backfill-credentials`)
        abort(404)
    response = Response(text, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.code}.json"'
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
        "certificates/verify.html",
        certificate=certificate,
        status=service.status_of(certificate),
        may_download=may_download(certificate),
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
                    may_download=may_download(certificate),
                    genuine_upload=True,
                )
        elif form.credential.data or form.credential_file.data:
            upload = form.credential_file.data
            data = upload.read(MAX_BYTES + 1) if upload else form.credential.data
            try:
                verdict = service.check_credential(
                    data, service.IssueSettings.from_config(current_app.config)
                )
            except Rejected as rejected:
                form.credential.errors.append(_rejection(str(rejected)))
            else:
                return render_template("certificates/verify_credential.html", verdict=verdict)
        elif form.code.data:
            certificate = service.find_by_code(form.code.data)
            if certificate:
                return redirect(url_for(".verify_code", code=certificate.code), 303)
            form.code.errors.append(_("No certificate has this code. Check it and try again."))
        else:
            form.code.errors.append(_("Enter a code, choose a PDF file or paste a credential."))
    return render_template("certificates/verify_form.html", form=form, outcome=outcome)


def _rejection(reason: str) -> str:
    return {
        "too_large": _("This credential is too large: we check up to 64 KB."),
        "not_json": _("This is not valid JSON. Paste the whole credential file."),
        "not_credential": _("This is not an Open Badges credential we can check."),
        "other_issuer": _("This credential was not issued by us, so we cannot vouch for it."),
        "bad_signature": _(
            "The signature does not match: the credential was altered or not signed by us."
        ),
    }.get(reason, _("This is not an Open Badges credential we can check."))
