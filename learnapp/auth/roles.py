"""Role checks enforced on the server."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from learnapp.models import Role


def role_required(*roles: Role):
    """Only users with one of `roles`; others get 403, anonymous visitors are sent to log in."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


admin_required = role_required(Role.ADMIN)
trainer_required = role_required(Role.TRAINER, Role.ADMIN)
# The reports (dashboard, learners, CSV, ZIP): admins, and managers for their organisations.
reports_required = role_required(Role.MANAGER, Role.ADMIN)
