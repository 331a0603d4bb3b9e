"""The audit log: one call records who did what to whom, and why."""

from __future__ import annotations

from learnapp.extensions import db
from learnapp.models import AuditEvent, User


def record(
    actor: User | None, action: str, target: str = "", reason: str = "", **detail
) -> AuditEvent:
    """Add an audit event to the session (the caller commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        target=target,
        reason=reason,
        detail=detail,
    )
    db.session.add(event)
    return event
