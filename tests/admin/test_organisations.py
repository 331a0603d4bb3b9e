"""Organisations: list, add, edit, merge (issue 7)."""

from learnapp.extensions import db
from learnapp.models import AuditEvent, Organisation, User


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
