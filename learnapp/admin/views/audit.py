"""The audit log."""

from __future__ import annotations

from flask import (
    render_template,
    request,
)

from learnapp.admin import service
from learnapp.admin.views import bp
from learnapp.admin.views.common import page_number
from learnapp.auth.roles import admin_required


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action") or None
    page = service.audit_page(action, page_number())
    return render_template("admin/audit.html", log=page, action=action)
