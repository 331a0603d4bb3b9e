"""Reminders: who gets one, never twice in a fortnight, turned off from the e-mail or the
account page, and never for a course that says 0."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import update

from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.mail.reminders import send_reminders
from learnapp.mail.sender import MailServer, drain
from learnapp.models import Enrolment, OutboxMessage, User, now_utc
from tests.conftest import COURSE, SITE_COURSES, SITE_QUIZZES, forge
from tests.mail.conftest import html_part, text_part

DAY = dt.timedelta(days=1)


def enrol(client, login_as, **user) -> User:
    learner = login_as(**user)
    client.submit(f"{COURSE}/enrol")
    client.submit("/logout")
    return learner


def idle(days: float) -> None:
    """Every enrolment was last active `days` ago."""
    then = now_utc() - days * DAY
    db.session.execute(update(Enrolment).values(enrolled_at=then, last_visited_at=then))
    db.session.commit()


def remind(app, now=None) -> int:
    with app.test_request_context():
        count = send_reminders(catalogue().courses, now)
    db.session.commit()
    return count


def test_an_idle_learner_gets_one_reminder_with_continue_and_one_click_off(
    app, client, login_as, smtp
):
    learner = enrol(client, login_as, email="idle@example.org")
    idle(13)
    assert remind(app) == 0
    idle(14.1)
    assert remind(app) == 1
    assert remind(app) == 0  # not twice
    assert drain(MailServer.from_url(smtp.url)).sent == 1
    [message] = smtp.messages
    assert message["Subject"] == "Continue your course: Basics of Cooperation"
    assert f"https://learn.example.org{COURSE}" in text_part(message)
    off = str(message["List-Unsubscribe"]).strip(" <>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert off in html_part(message)

    path = off.removeprefix("https://learn.example.org")
    assert "Turn reminders off" in client.get(path).get_data(as_text=True)
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200  # no CSRF
    db.session.refresh(learner)
    assert learner.reminders_off
    assert client.get(forge(path)).status_code == 404  # a forged link


def test_one_who_came_back_and_left_again_gets_another_after_a_fortnight(app, client, login_as):
    enrol(client, login_as)
    idle(30)
    assert remind(app) == 1
    # They come back half a day later, then go idle again.
    db.session.execute(update(Enrolment).values(last_visited_at=now_utc() + 0.5 * DAY))
    db.session.commit()
    assert remind(app, now_utc() + 14.4 * DAY) == 0  # idle 13.9 days
    assert remind(app, now_utc() + 14.6 * DAY) == 1


def test_still_idle_after_a_reminder_gets_no_second_one(app, client, login_as):
    enrol(client, login_as)
    idle(20)
    assert remind(app) == 1
    assert remind(app, now_utc() + 60 * DAY) == 0  # one per spell of inactivity


def test_opted_out_finished_or_deactivated_learners_get_none(app, client, login_as):
    off = enrol(client, login_as)
    gone = enrol(client, login_as)
    idle(20)
    client.submit("/login", {"email": off.email, "password": "correct horse battery"})
    assert client.submit("/account/reminders", {"reminders-reminders": ""}).status_code == 303
    gone.active = False
    db.session.commit()
    assert remind(app) == 0
    assert client.submit("/account/reminders", {"reminders-reminders": "y"}).status_code == 303
    assert remind(app) == 1


def test_a_finished_course_sends_no_reminder(app, client, login_as):
    enrol(client, login_as)
    db.session.execute(update(Enrolment).values(completed_at=now_utc()))
    idle(40)
    assert remind(app) == 0


def courses_reminding_after(tmp_path, days: int) -> dict:
    courses = tmp_path / "courses"
    shutil.copytree(SITE_COURSES, courses)
    course_md = courses / "01-basics" / "course.md"
    course_md.write_text(
        course_md.read_text().replace(
            "pass_mark: 50\n", f"pass_mark: 50\nremind_after_days: {days}\n"
        )
    )
    return {"COURSES_DIR": str(courses), "QUIZZES_DIR": str(SITE_QUIZZES)}


class TestZeroMeansNever:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        return courses_reminding_after(tmp_path, 0)

    def test_zero_means_never(self, app, client, login_as):
        assert catalogue().courses["basics"].remind_after_days == 0
        enrol(client, login_as)
        idle(400)
        assert remind(app) == 0
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


class TestAShortDelay:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        return courses_reminding_after(tmp_path, 3)

    def test_never_more_than_one_per_course_per_fortnight(self, app, client, login_as):
        enrol(client, login_as)
        idle(3.1)
        assert remind(app) == 1
        # Back the next day, idle again for 3 days: still inside the fortnight.
        db.session.execute(update(Enrolment).values(last_visited_at=now_utc() + DAY))
        db.session.commit()
        assert remind(app, now_utc() + 5 * DAY) == 0
        assert remind(app, now_utc() + 13.9 * DAY) == 0
        assert remind(app, now_utc() + 14.1 * DAY) == 1


def test_the_worker_sends_due_reminders(app, client, login_as, runner, smtp):
    enrol(client, login_as, email="w@example.org")
    idle(15)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["w@example.org"]
