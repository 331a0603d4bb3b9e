"""Administration: dashboard, learners, reports, users, audit log."""

from flask import Blueprint, render_template

from learnapp.auth.roles import trainer_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@trainer_required
def dashboard():
    return render_template("admin/dashboard.html")
