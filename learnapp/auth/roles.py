"""Role checks enforced on the server."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Admins only; others get 403, anonymous visitors are sent to log in."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def trainer_required(view):
    """Trainers and admins only."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
