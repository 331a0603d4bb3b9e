"""Cohort test helpers: a cohort of the fixture courses, made through the service."""

from __future__ import annotations

import datetime as dt

import pytest

from learnapp.catalogue import catalogue
from learnapp.cohorts import service
from learnapp.extensions import db
from learnapp.models import Cohort, Organisation


@pytest.fixture
def make_cohort(app):
    def make(
        name: str, due: dict[str, dt.date | None], organisation: str | None = None, members=()
    ):
        organisation_id = None
        if organisation:
            organisation_id = db.session.scalar(
                db.select(Organisation.id).filter_by(name=organisation)
            )
        cohort = service.create(name, organisation_id, due, None)
        for user in members:
            service.join(cohort, user, catalogue().courses)
        db.session.commit()
        return db.session.get(Cohort, cohort.id)

    return make
