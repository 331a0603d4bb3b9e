"""/admin/cohorts through HTTP: admins and partner managers create and edit cohorts, add and
remove members; reports gain the cohort, its due date and the status; a cohort filter."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from learnapp.catalogue import catalogue
from learnapp.extensions import db
from learnapp.models import AuditEvent, Cohort, CohortMember, Enrolment, Organisation, now_utc
from tests.admin.conftest import LESSONS, do_lessons, finish
from tests.conftest import PASSWORD, manager

DAY = dt.timedelta(days=1)


def course_fields(plan: dict[str, dt.date | None]) -> dict[str, str]:
    """The form fields that tick these courses and set their due dates."""
    slugs = sorted(catalogue().courses)
    fields = {}
    for slug, due in plan.items():
        index = slugs.index(slug)
        fields[f"course_{index}"] = "y"
        fields[f"due_{index}"] = due.isoformat() if due else ""
    return fields


def org_id(name: str) -> int:
    return db.session.scalar(db.select(Organisation.id).filter_by(name=name))


def login(client, user) -> None:
    client.submit("/logout")
    assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 303


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def ministry(make_user):
    """Two learners of Ministry A, one of University B, and A's partner manager."""
    amal = make_user(name="Amal", email="amal@a.example", organisation="Ministry A")
    badr = make_user(name="Badr", email="badr@a.example", organisation="Ministry A")
    bruno = make_user(name="Bruno", email="bruno@b.example", organisation="University B")
    focal = manager(make_user, "focal@a.example", "Ministry A")
    return amal, badr, bruno, focal


def test_an_admin_creates_a_cohort_adds_and_removes_members(client, make_user, ministry):
    amal, badr, _bruno, _focal = ministry
    login(client, make_user(role="admin", email="admin@example.org"))
    due = dt.date(2027, 3, 31)
    response = client.submit(
        "/admin/cohorts/new",
        {"name": "  Ministry A,  spring 2027 ", "organisation": str(org_id("Ministry A")),
         **course_fields({"basics": due})},
    )  # fmt: skip
    assert response.status_code == 303
    cohort = db.session.scalar(db.select(Cohort))
    assert cohort.name == "Ministry A, spring 2027"
    assert [(p.course_slug, p.due_on) for p in cohort.courses] == [("basics", due)]
    page = f"/admin/cohorts/{cohort.id}"
    assert response.headers["Location"].endswith(page)

    added = client.submit(f"{page}/members", {"email": "AMAL@a.example"}, follow_redirects=True)
    assert "Amal added to the cohort" in added.get_data(as_text=True)
    assert db.session.scalar(db.select(Enrolment).filter_by(user_id=amal.id)) is not None
    again = client.submit(f"{page}/members", {"email": amal.email}, follow_redirects=True)
    assert "already in the cohort" in again.get_data(as_text=True)
    client.submit(f"{page}/members", {"email": badr.email})
    listing = client.get(page).get_data(as_text=True)
    assert "amal@a.example" in listing and "badr@a.example" in listing

    client.submit(f"{page}/members/{badr.id}/remove")
    members = db.session.scalars(db.select(CohortMember.user_id)).all()
    assert members == [amal.id]
    # Removing keeps what they did: the enrolment stays.
    assert db.session.scalar(db.select(Enrolment).filter_by(user_id=badr.id)) is not None
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "cohort.create", "cohort.member_add", "cohort.member_add", "cohort.member_remove",
    ]  # fmt: skip
    audit_log = client.get("/admin/audit").get_data(as_text=True)
    assert "Cohort created" in audit_log and "Removed from a cohort" in audit_log
    overview = client.get("/admin/cohorts").get_data(as_text=True)
    assert "Ministry A, spring 2027" in overview and "due Mar 31, 2027" in overview
    assert "Basics of Cooperation" in overview


def test_editing_renames_replans_and_enrols_members_in_an_added_course(
    client, make_user, ministry, make_cohort
):
    amal, *_ = ministry
    cohort = make_cohort("Spring", {"basics": None}, "Ministry A", members=[amal])
    login(client, make_user(role="admin", email="admin@example.org"))
    new_due = dt.date(2027, 6, 30)
    response = client.submit(
        f"/admin/cohorts/{cohort.id}",
        {"name": "Spring 2027", "organisation": "none",
         **course_fields({"basics": new_due, "integrity": None})},
    )  # fmt: skip
    assert response.status_code == 303
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort.id)
    assert cohort.name == "Spring 2027" and cohort.organisation_id is None
    assert {p.course_slug: p.due_on for p in cohort.courses} == {
        "basics": new_due, "integrity": None,
    }  # fmt: skip
    enrolled = db.session.scalars(db.select(Enrolment.course_slug).filter_by(user_id=amal.id))
    assert sorted(enrolled) == ["basics", "integrity"]
    # The form shows what is saved.
    page = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    assert 'value="2027-06-30"' in page


def test_bad_input_is_refused_with_a_reason_and_nothing_saved(
    client, make_user, ministry, make_cohort
):
    make_cohort("Taken", {"basics": None})
    login(client, make_user(role="admin", email="admin@example.org"))
    taken = client.submit(
        "/admin/cohorts/new",
        {"name": "TAKEN", "organisation": "none", **course_fields({"basics": None})},
    )
    assert taken.status_code == 400
    assert "Another cohort already has this name." in taken.get_data(as_text=True)
    none_ticked = client.submit("/admin/cohorts/new", {"name": "Empty", "organisation": "none"})
    assert none_ticked.status_code == 400
    assert "Choose at least one course." in none_ticked.get_data(as_text=True)
    bad_date = client.submit(
        "/admin/cohorts/new",
        {"name": "Bad", "organisation": "none", "course_1": "y", "due_1": "31/03/2027"},
    )
    assert bad_date.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 1
    unknown = client.submit(
        f"/admin/cohorts/{db.session.scalar(db.select(Cohort.id))}/members",
        {"email": "nobody@example.org"},
        follow_redirects=True,
    )
    assert "No account of yours has the e-mail address nobody@example.org" in unknown.get_data(
        as_text=True
    )


def test_a_partner_manager_runs_only_their_organisations_cohorts(
    client, make_user, ministry, make_cohort
):
    amal, _badr, bruno, focal = ministry
    theirs = make_cohort("University B cohort", {"basics": None}, "University B", members=[bruno])
    login(client, focal)
    # Their form offers only their organisations; another one is an invalid choice.
    form = client.get("/admin/cohorts/new").get_data(as_text=True)
    assert "Ministry A" in form and "University B" not in form
    refused = client.submit(
        "/admin/cohorts/new",
        {
            "name": "Sneaky",
            "organisation": str(org_id("University B")),
            **course_fields({"basics": None}),
        },
    )
    assert refused.status_code == 400
    created = client.submit(
        "/admin/cohorts/new",
        {"name": "Ministry A staff", "organisation": str(org_id("Ministry A")),
         **course_fields({"basics": dt.date(2027, 3, 31)})},
    )  # fmt: skip
    assert created.status_code == 303
    page = created.headers["Location"]
    # They add their own people, never another organisation's.
    client.submit(f"{page}/members", {"email": amal.email})
    other = client.submit(f"{page}/members", {"email": bruno.email}, follow_redirects=True)
    assert "No account of yours" in other.get_data(as_text=True)
    mine = db.session.scalar(db.select(Cohort).filter_by(name="Ministry A staff"))
    members = db.session.scalars(db.select(CohortMember.user_id).filter_by(cohort_id=mine.id))
    assert list(members) == [amal.id]
    # Another organisation's cohort does not exist for them.
    listing = client.get("/admin/cohorts").get_data(as_text=True)
    assert "Ministry A staff" in listing and "University B cohort" not in listing
    for url in (f"/admin/cohorts/{theirs.id}",):
        assert client.get(url).status_code == 404
    assert (
        client.submit(f"/admin/cohorts/{theirs.id}/members", {"email": amal.email}).status_code
        == 404
    )
    assert client.get("/admin/cohorts/99999999999").status_code == 404
    # The dashboard's cohort filter offers only theirs.
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Ministry A staff" in dashboard and "University B cohort" not in dashboard


def test_reports_have_cohort_due_date_and_status_and_filter_by_cohort(
    client, make_user, ministry, make_cohort
):
    amal, badr, bruno, focal = ministry
    today = now_utc().date()
    late = make_cohort("Late ones", {"basics": today - DAY}, "Ministry A", members=[amal, badr])
    make_cohort("Others", {"basics": today + 30 * DAY}, "University B", members=[bruno])
    finish(amal)
    do_lessons(badr, LESSONS[0])
    login(client, make_user(role="admin", email="admin@example.org"))

    rows = read_csv(client.get("/admin/reports/completions.csv"))
    assert list(rows[0])[-3:] == ["cohort", "due_at", "status"]
    by_email = {row["email"]: row for row in rows}
    assert by_email[amal.email]["cohort"] == "Late ones"
    assert by_email[amal.email]["status"] == "completed"
    assert by_email[badr.email]["due_at"] == (today - DAY).isoformat()
    assert by_email[badr.email]["status"] == "overdue"
    assert by_email[bruno.email]["status"] == "not started"

    filtered = read_csv(client.get(f"/admin/reports/completions.csv?cohort={late.id}"))
    assert {row["email"] for row in filtered} == {amal.email, badr.email}
    learners = client.get(f"/admin/learners?cohort={late.id}").get_data(as_text=True)
    assert amal.email in learners and bruno.email not in learners

    dashboard = client.get(f"/admin/?cohort={late.id}").get_data(as_text=True)
    assert "Cohorts against their due dates" in dashboard
    assert "1 of 2 (50%)" in dashboard  # completed against the due date
    assert '<span class="badge badge-bad">1</span>' in dashboard  # one overdue
    assert "Others" not in dashboard.split('id="by-cohort"')[1].split("</section>")[0]

    # The manager of A sees A's cohort only, and only A's people in it.
    login(client, focal)
    mine = read_csv(client.get("/admin/reports/completions.csv"))
    assert {row["email"] for row in mine} == {amal.email, badr.email}
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Late ones" in dashboard and "Others" not in dashboard
