"""The learner list and one learner's page (issue 7)."""

import re

from learnapp.extensions import db
from learnapp.models import LessonCompletion, Organisation
from tests.admin.conftest import LESSONS, attempt, do_lessons, enrol, finish


def names_in(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/learners/\d+">([^<]+)</a>', page)


def test_list_searches_by_name_or_email(client, admin, make_user):
    make_user(name="Amina Haddad", email="amina@moh.example")
    make_user(name="Omar Khalil", email="omar@birzeit.example")
    page = client.get("/admin/learners?q=hadd").get_data(as_text=True)
    assert names_in(page) == ["Amina Haddad"]
    page = client.get("/admin/learners?q=BIRZEIT").get_data(as_text=True)
    assert names_in(page) == ["Omar Khalil"]
    page = client.get("/admin/learners?q=%25").get_data(as_text=True)  # a literal %
    assert names_in(page) == []


def test_list_sorts_by_columns(client, admin, make_user):
    slow, fast = make_user(name="Zaid Slow"), make_user(name="Basma Fast")
    enrol(slow)
    finish(fast)
    page = client.get("/admin/learners?role=learner").get_data(as_text=True)
    assert names_in(page) == ["Basma Fast", "Zaid Slow"]
    page = client.get("/admin/learners?role=learner&sort=name&dir=desc").get_data(as_text=True)
    assert names_in(page) == ["Zaid Slow", "Basma Fast"]
    assert 'aria-sort="descending"' in page
    page = client.get("/admin/learners?sort=progress&dir=desc").get_data(as_text=True)
    assert names_in(page)[:2] == ["Basma Fast", "Zaid Slow"]  # the admin has no enrolment
    page = client.get("/admin/learners?sort=progress").get_data(as_text=True)
    assert names_in(page) == ["Zaid Slow", "Basma Fast", "Ada Admin"]


def test_list_is_paginated(client, admin, make_user):
    for number in range(55):
        make_user(name=f"Learner {number:02d}")
    first = client.get("/admin/learners?role=learner").get_data(as_text=True)
    assert "55 accounts found." in first and "Page 1 of 2." in first
    assert len(names_in(first)) == 50
    assert '<nav class="pagination" aria-label="Pages">' in first
    second = client.get("/admin/learners?role=learner&page=2").get_data(as_text=True)
    assert names_in(second) == [f"Learner {n}" for n in range(50, 55)]
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2' in second


def test_list_filters_by_organisation_course_and_status(client, admin, make_user):
    health = make_user(name="Hana Health", organisation="Ministry of Health")
    make_user(name="Ines Uni", organisation="Birzeit University")
    finish(health)
    org = db.session.scalar(db.select(Organisation.id).where(Organisation.name.like("Minis%")))
    page = client.get(f"/admin/learners?organisation={org}").get_data(as_text=True)
    assert names_in(page) == ["Hana Health"]
    page = client.get("/admin/learners?course=basics&status=certified").get_data(as_text=True)
    assert names_in(page) == ["Hana Health"]
    assert "100%" in page
    page = client.get("/admin/learners?course=basics&status=not_started").get_data(as_text=True)
    assert names_in(page) == []


def test_learner_page_shows_enrolments_lessons_attempts_and_certificates(client, admin, make_user):
    learner = make_user(name="Layla Learner", organisation="Ministry of Health")
    enrol(learner)
    do_lessons(learner, LESSONS[0])
    attempt(learner, city="Paris", communities="seventeen")
    attempt(learner, city="Geneva", communities="171")
    page = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    assert "Layla Learner" in page and learner.email in page and "Ministry of Health" in page
    assert "Basics of Cooperation" in page
    assert "66%" in page  # one lesson and the quiz: 2 of 3 steps, rounded down
    assert "First steps" in page  # the lesson done
    # Both attempts, with each answer and its score.
    assert "0/2 (0%)" in page and "2/2 (100%)" in page
    assert "Paris" in page and "“seventeen”" in page and "“171”" in page
    assert "Which city hosts the NGO?" in page


def test_learner_page_lists_certificates_with_actions(client, admin, make_user):
    learner = make_user(name="Cert Holder")
    finish(learner)
    page = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    assert re.search(r"LA-[0-9A-Z-]+", page)
    assert "Revoke" in page and "Re-issue with the current name" in page


def test_progress_ignores_lessons_no_longer_in_the_course(client, admin, make_user):
    learner = make_user(name="Old Timer")
    enrol(learner)
    db.session.add(
        LessonCompletion(
            user_id=learner.id, course_slug="basics", lesson_slug="retired", course_version="x"
        )
    )
    db.session.commit()
    page = client.get(f"/admin/learners/{learner.id}").get_data(as_text=True)
    assert "0%" in page and "removed since" in page


def test_unknown_learner_is_404(client, admin):
    assert client.get("/admin/learners/9999").status_code == 404
