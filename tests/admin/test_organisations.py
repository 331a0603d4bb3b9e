"""Organisations: list, add, edit, merge (issue 7)."""

from learnapp.extensions import db
from learnapp.models import AuditEvent, Organisation, User
from tests.conftest import register


def organisation(name: str) -> Organisation | None:
    return db.session.scalar(db.select(Organisation).where(Organisation.name == name))


def test_list_shows_kind_country_and_members(client, admin, make_user):
    make_user(organisation="Ministry of Health")
    make_user(organisation="Ministry of Health")
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "Ministry of Health" in page and ">2<" in page


def test_add_and_edit_an_organisation(client, admin):
    response = client.submit(
        "/admin/organisations/new",
        {"name": "  Birzeit   University ", "kind": "university", "country": "Palestine"},
    )
    assert response.status_code == 303
    created = organisation("Birzeit University")
    assert created.kind == "university" and created.country == "Palestine"
    form = client.get(f"/admin/organisations/{created.id}").get_data(as_text=True)
    assert 'value="Birzeit University"' in form
    client.submit(
        f"/admin/organisations/{created.id}",
        {"name": "Birzeit University", "kind": "university", "country": "State of Palestine"},
    )
    db.session.expire_all()
    assert organisation("Birzeit University").country == "State of Palestine"
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["organisation.create", "organisation.update"]
    log = client.get("/admin/audit").get_data(as_text=True)
    table = log[log.find("<tbody>") : log.find("</tbody>")]
    assert "Organisation edited" in table and "Palestine → State of Palestine" in table, table


def test_names_are_unique_in_any_case(client, admin):
    client.submit("/admin/organisations/new", {"name": "UNRWA", "kind": "ngo"})
    response = client.submit("/admin/organisations/new", {"name": "unrwa", "kind": "ngo"})
    assert response.status_code == 200
    assert "Another organisation already has this name." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == 1


def test_a_bad_kind_is_refused(client, admin):
    response = client.submit("/admin/organisations/new", {"name": "X", "kind": "bank"})
    assert response.status_code == 200 and organisation("X") is None


def test_merge_moves_members_and_deletes_the_duplicate(client, admin, make_user):
    make_user(organisation="Ministry of Health")
    make_user(organisation="Minstry of Health")
    make_user(organisation="Minstry of Health")
    typo, right = organisation("Minstry of Health"), organisation("Ministry of Health")
    response = client.submit(
        f"/admin/organisations/{typo.id}/merge", {"into": str(right.id), "reason": "Typo"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert organisation("Minstry of Health") is None
    members = db.session.scalar(
        db.select(db.func.count(User.id)).where(User.organisation_id == right.id)
    )
    assert members == 3
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Organisations merged" in log and "Typo" in log and "members moved: 2" in log


# Self-registered organisations wait for an administrator (issue 13 item 6) -------------


def _register(client, organisation_other: str, email: str = "amina@example.org"):

    return register(client, email=email, organisation_other=organisation_other)


def test_an_organisation_typed_at_registration_is_pending_and_shown_to_nobody_else(app, client):
    assert _register(client, "@SUM(1+1)").status_code == 303
    created = organisation("@SUM(1+1)")
    assert created.pending
    assert "@SUM(1+1)" in client.get("/account").get_data(as_text=True)  # the creator's own
    visitor = app.test_client()
    assert "@SUM(1+1)" not in visitor.get("/register").get_data(as_text=True)
    chosen = visitor.submit(
        "/register",
        {
            "name": "Other Person",
            "email": "other@example.org",
            "organisation": str(created.id),
            "password": "long enough password",
            "confirm": "long enough password",
            "language": "en",
        },
    )
    assert chosen.status_code == 200  # a pending organisation is no choice for others
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_admin_sees_pending_organisations_and_approves_one(app, client, login_as):
    learner = app.test_client()
    _register(learner, "Birzeit University")
    pending = organisation("Birzeit University")
    login_as("admin")
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "Birzeit University" in page and "Awaiting approval" in page
    response = client.submit(f"/admin/organisations/{pending.id}/approve")
    assert response.status_code == 303
    db.session.expire_all()
    assert not organisation("Birzeit University").pending
    assert db.session.scalar(db.select(AuditEvent.action)) == "organisation.approve"
    assert "Birzeit University" in app.test_client().get("/register").get_data(as_text=True)


def test_merging_a_pending_organisation_moves_its_members(client, admin, app):
    _register(app.test_client(), "Minstry of Health")
    typo = organisation("Minstry of Health")
    client.submit("/admin/organisations/new", {"name": "Ministry of Health", "kind": "ministry"})
    right = organisation("Ministry of Health")
    assert not right.pending  # added by an administrator
    merge = {"into": str(right.id), "reason": "Typo"}
    client.submit(f"/admin/organisations/{typo.id}/merge", merge)
    db.session.expire_all()
    assert organisation("Minstry of Health") is None
    learner = db.session.scalar(db.select(User).where(User.email == "amina@example.org"))
    assert learner.organisation.name == "Ministry of Health"


def test_organisations_from_the_command_line_are_approved(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "t@example.org", "--name", "Sam", "--password-stdin",
              "--organisation", "LearningAlliance"],
        input="a long enough password\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not organisation("LearningAlliance").pending
