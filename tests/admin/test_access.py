"""Who may see what under /admin (issue 7): admins all, trainers their views, learners none."""

import pytest

from tests.admin.conftest import enrol, finish

ADMIN_ONLY_GET = [
    "/admin/learners",
    "/admin/learners/{learner}",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/audit",
    "/admin/reports/completions.csv",
    "/admin/reports/attempts.csv",
    "/admin/courses/basics/certificates.zip",
]
ADMIN_ONLY_POST = [
    "/admin/learners/{learner}/account",
    "/admin/learners/{learner}/deactivate",
    "/admin/learners/{learner}/reactivate",
    "/admin/learners/{learner}/reset-link",
    "/admin/certificates/{certificate}/revoke",
    "/admin/certificates/{certificate}/reissue",
    "/admin/organisations/new",
]
STAFF_GET = ["/admin/", "/admin/quizzes", "/admin/quizzes/basics/check", "/admin/content"]


@pytest.fixture
def ids(make_user):
    from learnapp.extensions import db
    from learnapp.models import Certificate

    learner = make_user(name="Somebody Else", organisation="Ministry of Health")
    finish(learner)
    certificate = db.session.scalar(db.select(Certificate.id))
    return {"learner": learner.id, "certificate": certificate}


def test_a_learner_gets_403_on_every_admin_page_and_action(client, login_as, ids):
    me = login_as()
    enrol(me)
    for url in STAFF_GET + ADMIN_ONLY_GET:
        assert client.get(url.format(**ids), buffered=True).status_code == 403, url
    for url in ADMIN_ONLY_POST:
        assert client.submit(url.format(**ids), {"reason": "x"}).status_code == 403, url


def test_a_trainer_gets_403_on_learner_data_and_actions(client, login_as, ids):
    login_as(role="trainer")
    for url in ADMIN_ONLY_GET:
        assert client.get(url.format(**ids), buffered=True).status_code == 403, url
    for url in ADMIN_ONLY_POST:
        assert client.submit(url.format(**ids), {"reason": "x"}).status_code == 403, url


def test_a_trainer_sees_item_analysis_and_content_status(client, login_as, ids):
    login_as(role="trainer")
    for url in STAFF_GET:
        assert client.get(url).status_code == 200, url
    home = client.get("/admin/").get_data(as_text=True)
    assert "Quiz analysis" in home and "Content status" in home
    # The trainer's overview carries no learner data and no admin navigation.
    assert "Somebody Else" not in home and "Enrolled" not in home
    assert "/admin/learners" not in home and "/admin/audit" not in home


def test_an_admin_reaches_every_page(client, admin, ids):
    for url in STAFF_GET + ADMIN_ONLY_GET:
        assert client.get(url.format(**ids), buffered=True).status_code == 200, url


def test_visitors_are_sent_to_log_in(client, ids):
    for url in STAFF_GET + ADMIN_ONLY_GET:
        response = client.get(url.format(**ids), buffered=True)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_admin_actions_need_a_csrf_token(client, admin, ids):
    response = client.post(f"/admin/learners/{ids['learner']}/deactivate", data={"reason": "x"})
    assert response.status_code == 400
