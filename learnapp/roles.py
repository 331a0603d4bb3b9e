"""Account roles: a module of its own so that the command line can list them without
importing the models (SQLAlchemy)."""

import enum


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"  # a partner's focal point: the reports of their organisations only
    ADMIN = "admin"


class RoleChecks:
    """What a user's role lets them do, for any object with a `role` (the User model, or
    the lighter session user of learnapp.auth.service)."""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def sees_reports(self) -> bool:
        """Admins (every organisation) and managers (their own): the dashboard and lists."""
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_staff(self) -> bool:
        """Trainers and admins: may preview drafts and see content status."""
        return self.role in (Role.TRAINER, Role.ADMIN)
