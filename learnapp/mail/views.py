"""Turning reminders off from an e-mail, and the admins' E-mail page (the outbox)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from learnapp.auth.roles import admin_required
from learnapp.dbutil import parse_id
from learnapp.extensions import csrf, db
from learnapp.mail import service
from learnapp.mail.sender import InvalidMailURL, configured_server

bp = Blueprint("mail", __name__)
STATUSES = ("queued", "sent", "failed")


@bp.route("/reminders/off/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the credential; mail clients POST it in one click (RFC 8058)
def reminders_off(token: str):
    user = service.user_of_reminders_token(token)
    if user is None:
        abort(404)
    if request.method == "POST":
        user.reminders_off = True
        db.session.commit()
        return render_template("mail/reminders_off.html", done=True)
    return render_template("mail/reminders_off.html", done=user.reminders_off)


@bp.get("/admin/email")
@admin_required
def outbox():
    status = request.args.get("status")
    status = status if status in STATUSES else None
    try:
        server = configured_server()
        problem = None
    except InvalidMailURL as error:
        server, problem = None, str(error)
    return render_template(
        "mail/outbox.html",
        counts=service.counts(),
        messages=service.latest(status),
        status=status,
        server=server,
        problem=problem,
    )


@bp.post("/admin/email/retry")
@admin_required
def retry():
    given = request.form.get("message")
    message_id = parse_id(given)
    if given is not None and message_id is None:
        abort(400)
    count = service.retry_failed(message_id)
    db.session.commit()
    flash(_("%(count)d message(s) queued again.", count=count), "success")
    return redirect(url_for(".outbox", status="queued"), 303)
