"""GET /healthz: 200 when the database answers, saying whether it can take writes."""

from flask import Blueprint
from sqlalchemy import text

from learnapp.dbutil import database_writable
from learnapp.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        writable = database_writable()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "unavailable"}, 503
    if not writable:
        # Still 200 (SPEC §4): pages can be read; monitoring alerts on "degraded".
        return {"status": "degraded", "database": "not writable"}
    return {"status": "ok", "database": "writable"}
