"""Due-date e-mail through the outbox and a real SMTP server: a week before, the day
after (overdue), a weekly digest to the cohort's partner managers; each sent once, in the
recipient's language, with the one-click unsubscribe of the other reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from learnapp.catalogue import catalogue
from learnapp.cohorts import service as cohorts
from learnapp.cohorts.reminders import send_due_reminders
from learnapp.extensions import db
from learnapp.mail.sender import MailServer, drain
from learnapp.models import Cohort, DueReminder, now_utc
from tests.admin.conftest import finish
from tests.conftest import manager
from tests.mail import conftest as mail_fixtures
from tests.mail.conftest import html_part, text_part

# The real SMTP server of the mail tests, and the app configured to send to it.
smtp = mail_fixtures.smtp
config_overrides = mail_fixtures.config_overrides

DAY = dt.timedelta(days=1)
TODAY = now_utc().date()


def remind(app, today=None):
    with app.test_request_context():
        sent = send_due_reminders(catalogue().courses, today)
    db.session.commit()
    return sent


def deliver(smtp) -> int:
    return drain(MailServer.from_url(smtp.url)).sent


@pytest.fixture
def staff(make_user):
    """Amal (English) and Nadia (French) of Ministry A, Bruno of University B, A's manager."""
    return {
        "amal": make_user(name="Amal", email="amal@a.example", organisation="Ministry A"),
        "nadia": make_user(
            name="Nadia", email="nadia@a.example", organisation="Ministry A", language="fr"
        ),
        "bruno": make_user(name="Bruno", email="bruno@b.example", organisation="University B"),
        "focal": manager(make_user, "focal@a.example", "Ministry A"),
    }


def test_a_week_before_the_due_date_unfinished_members_get_one_reminder_in_their_language(
    app, client, staff, make_cohort, smtp
):
    amal, nadia = staff["amal"], staff["nadia"]
    done = staff["bruno"]
    make_cohort("Spring", {"basics": TODAY + 10 * DAY}, "Ministry A", members=[amal, nadia, done])
    finish(done)
    assert remind(app).total == 0  # ten days ahead: not yet
    assert remind(app, TODAY + 3 * DAY).due_soon == 2  # the finished one gets none
    assert remind(app, TODAY + 4 * DAY).total == 0  # once
    deliver(smtp)  # (and the certificate e-mail of the one who finished)
    [english] = smtp.to(amal.email)
    assert (
        english["Subject"].startswith("Due on ") and "Basics of Cooperation" in english["Subject"]
    )
    assert "https://learn.example.org/courses/basics" in text_part(english)
    off = str(english["List-Unsubscribe"]).strip(" <>")
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert off in html_part(english)
    [french] = smtp.to(nadia.email)
    assert french["Subject"].startswith("À rendre le ")
    assert "Bonjour Nadia" in text_part(french)
    # The link turns reminders off, and then no due-date e-mail goes to them either.
    client.post(off.removeprefix("https://learn.example.org"), data="List-Unsubscribe=One-Click")
    assert remind(app, TODAY + 11 * DAY).overdue == 1  # Nadia only


def test_the_day_after_the_due_date_overdue_members_get_one_reminder(app, staff, make_cohort, smtp):
    amal, nadia = staff["amal"], staff["nadia"]
    cohort = make_cohort("Late", {"basics": TODAY - DAY}, "Ministry A", members=[amal, nadia])
    finish(nadia)
    sent = remind(app)
    assert (sent.due_soon, sent.overdue) == (0, 1)
    assert remind(app).overdue == 0
    deliver(smtp)
    [message] = smtp.to(amal.email)
    assert message["Subject"] == "Overdue: Basics of Cooperation"
    assert "was due on" in text_part(message)
    assert message["List-Unsubscribe"]
    # A new due date is a new deadline: one more reminder when that one passes too.
    cohorts.update(
        db.session.get(Cohort, cohort.id), "Late", cohort.organisation_id,
        {"basics": TODAY + 2 * DAY}, None, catalogue().courses,
    )  # fmt: skip
    db.session.commit()
    assert remind(app).total == 1  # due in two days: the week-before one
    assert remind(app, TODAY + 3 * DAY).overdue == 1


def test_the_weekly_digest_lists_a_managers_overdue_people_once_a_week(
    app, staff, make_cohort, make_user, smtp
):
    amal, nadia, bruno, focal = staff["amal"], staff["nadia"], staff["bruno"], staff["focal"]
    other_focal = manager(make_user, "focal@b.example", "University B")
    make_cohort("Ministry A spring", {"basics": TODAY - 2 * DAY}, "Ministry A",
                members=[amal, nadia, bruno])  # fmt: skip
    finish(nadia)
    assert remind(app).digests == 1  # A's manager only: the cohort is Ministry A's
    assert remind(app).digests == 0
    assert remind(app, TODAY + 7 * DAY).digests == 1  # next week, again
    deliver(smtp)
    digests = smtp.to(focal.email)
    assert len(digests) == 2 and not smtp.to(other_focal.email)
    body = text_part(digests[0])
    assert digests[0]["Subject"] == "Overdue in the cohort “Ministry A spring”: 1"
    assert "Amal <amal@a.example>" in body
    assert "Nadia" not in body.split("after its due date:")[1]  # finished
    assert "Bruno" not in body  # not one of the organisations they manage
    assert "https://learn.example.org/admin/?cohort=" in body
    assert digests[0]["List-Unsubscribe"]


def test_the_worker_sends_due_date_reminders(app, staff, make_cohort, runner, smtp):
    make_cohort("Soon", {"basics": TODAY + 5 * DAY}, "Ministry A", members=[staff["amal"]])
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == [staff["amal"].email]
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert len(smtp.messages) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(DueReminder)) == 1
