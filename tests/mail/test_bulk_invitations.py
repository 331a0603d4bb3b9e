"""Invitations of a bulk import (rendered once per language and course, then filled in)
read exactly as the ones the invite form sends, whatever the name holds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from learnapp.extensions import db
from learnapp.mail import service as mail
from learnapp.mail.message import unseal
from learnapp.models import OutboxMessage

NAMES = ['Zoé <b>"Zo"</b> & Co', "أمينة حداد", "Jean-François O'Brien"]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_bulk_invitations_match_single_ones(app, language):
    course_title = "Origins & <ends>"
    url = "https://learn.example.org/welcome/abc.DEF_1-2?x=1&y=<2>"
    for number, name in enumerate(NAMES):
        person = SimpleNamespace(email=f"p{number}@example.org", name=name, language=language)
        mail.invitation(person, url, course_title, 14)
    single = list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))
    db.session.execute(db.delete(OutboxMessage))
    invitations = [
        mail.Invitation(f"p{n}@example.org", name, language, url, course_title)
        for n, name in enumerate(NAMES)
    ]
    assert mail.invitations(invitations, 14) == len(NAMES)
    bulk = list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))
    key = app.config["SECRET_KEY"]
    for one, many in zip(single, bulk, strict=True):
        assert (one.to_address, one.subject, one.language) == (
            many.to_address, many.subject, many.language,
        )  # fmt: skip
        assert unseal(one.text_body, key) == unseal(many.text_body, key)
        assert unseal(one.html_body, key) == unseal(many.html_body, key)


def test_an_invitation_without_a_course_says_so(app):
    mail.invitations([mail.Invitation("n@example.org", "Nour", "fr", "https://x/w/1", "")], 14)
    row = db.session.scalar(db.select(OutboxMessage))
    text = unseal(row.text_body, app.config["SECRET_KEY"])
    assert row.subject == "Vous êtes invité·e sur LearnApp"
    assert "Bonjour Nour" in text and "https://x/w/1" in text and "“”" not in text
