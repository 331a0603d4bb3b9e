"""Account roles: a module of its own so that the command line can list them without
importing the models (SQLAlchemy)."""

import enum


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"  # a partner's focal point: the reports of their organisations only
    ADMIN = "admin"
