"""Partner managers (issue 16): the reports of their own organisations, nothing more.

Every route of the admin blueprint is in the role × route matrix below; a new route that
is not fails `test_the_matrix_covers_every_admin_route`, so nobody forgets to decide.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from learnapp.admin import imports
from learnapp.catalogue import catalogue
from learnapp.cohorts import service as cohorts
from learnapp.extensions import db
from learnapp.models import AuditEvent, Certificate, Role, User
from tests.admin.conftest import finish
from tests.conftest import PASSWORD, manager

EVERYONE = {"learner", "trainer", "manager_a", "manager_b", "admin"}
REPORTS = {"manager_a", "admin"}  # manager A's own learner; manager B gets 404
STAFF = {"trainer", "admin"}
ADMIN = {"admin"}
# (method, URL) → the roles that may use it; the others get 403 (404 for manager B on A's data).
MATRIX = {
    ("GET", "/admin/"): {"trainer", "manager_a", "manager_b", "admin"},
    ("GET", "/admin/learners"): REPORTS | {"manager_b"},
    ("GET", "/admin/learners/{learner}"): REPORTS,
    ("POST", "/admin/learners/{learner}/account"): ADMIN,
    ("POST", "/admin/learners/{learner}/deactivate"): ADMIN,
    ("POST", "/admin/learners/{learner}/reactivate"): ADMIN,
    ("POST", "/admin/learners/{learner}/reset-link"): ADMIN,
    ("POST", "/admin/certificates/{certificate}/revoke"): ADMIN,
    ("POST", "/admin/certificates/{certificate}/reissue"): ADMIN,
    ("POST", "/admin/certificates/issue-pending"): ADMIN,
    ("GET", "/admin/reports/completions.csv"): REPORTS | {"manager_b"},
    ("GET", "/admin/reports/attempts.csv"): REPORTS | {"manager_b"},
    ("GET", "/admin/courses/basics/certificates.zip"): REPORTS | {"manager_b"},
    ("GET", "/admin/organisations"): ADMIN,
    ("GET", "/admin/organisations/new"): ADMIN,
    ("POST", "/admin/organisations/new"): ADMIN,
    ("GET", "/admin/organisations/{organisation}"): ADMIN,
    ("POST", "/admin/organisations/{organisation}"): ADMIN,
    ("POST", "/admin/organisations/{organisation}/approve"): ADMIN,
    ("POST", "/admin/organisations/{organisation}/merge"): ADMIN,
    ("GET", "/admin/quizzes"): STAFF,
    ("GET", "/admin/quizzes/basics/check"): STAFF,
    ("GET", "/admin/content"): STAFF,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/learners/invite"): ADMIN,
    ("GET", "/admin/learners/import"): REPORTS | {"manager_b"},
    ("POST", "/admin/learners/import"): REPORTS | {"manager_b"},
    ("GET", "/admin/learners/import/{batch}"): REPORTS,  # A's own import
    ("POST", "/admin/learners/import/{batch}"): REPORTS,
    ("GET", "/admin/learners/import/{batch}/links.csv"): REPORTS,
    ("POST", "/admin/learners/invite"): ADMIN,
    ("GET", "/admin/email"): ADMIN,
    ("POST", "/admin/email/retry"): ADMIN,
    ("GET", "/admin/cohorts"): REPORTS | {"manager_b"},
    ("GET", "/admin/cohorts/new"): REPORTS | {"manager_b"},
    ("POST", "/admin/cohorts/new"): REPORTS | {"manager_b"},
    ("GET", "/admin/cohorts/{cohort}"): REPORTS,  # Ministry A's cohort
    ("POST", "/admin/cohorts/{cohort}"): REPORTS,
    ("POST", "/admin/cohorts/{cohort}/members"): REPORTS,
    ("POST", "/admin/cohorts/{cohort}/members/{learner}/remove"): REPORTS,
}


@pytest.fixture
def people(make_user):
    """A finished learner in A, one in B, an admin, a trainer and A's and B's managers."""
    amal = make_user(name="Amal of A", email="amal@a.example", organisation="Ministry A")
    bruno = make_user(name="Bruno of B", email="bruno@b.example", organisation="University B")
    finish(amal)
    finish(bruno)
    users = {
        "learner": make_user(email="learner@example.org"),
        "trainer": make_user(role="trainer", email="trainer@example.org"),
        "admin": make_user(role="admin", email="admin@example.org"),
        "manager_a": manager(make_user, "focal@a.example", "Ministry A"),
        "manager_b": manager(make_user, "focal@b.example", "University B"),
    }
    certificate = db.session.scalar(db.select(Certificate.id).filter_by(user_id=amal.id))
    cohort = cohorts.create("Ministry A, spring", amal.organisation_id, {"basics": None}, None)
    cohorts.join(cohort, amal, catalogue().courses)
    db.session.commit()
    ids = {
        "learner": amal.id,
        "certificate": certificate,
        "organisation": amal.organisation_id,
        "cohort": cohort.id,
        "batch": imported_by(users["manager_a"]),
    }
    return users, ids, amal, bruno


def imported_by(person: User) -> str:
    """A bulk import made and confirmed by `person` (no mail: its links kept to download)."""
    data = b"email,name\nnewbie@a.example,Newbie of A\n"
    batch = imports.store(data, "a.csv", person)
    assert imports.claim(batch)
    scope = frozenset(o.id for o in person.managed_organisations)
    result, links = imports.run(
        batch, data, person, scope, languages=("en",), courses={},
        link=lambda token: f"https://learn.example.org/welcome/{token}", send_mail=False,
    )  # fmt: skip
    db.session.commit()
    imports.save_result(batch, result, links)
    return batch


def as_role(client, users, role: str) -> None:
    client.submit("/logout")
    response = client.submit("/login", {"email": users[role].email, "password": PASSWORD})
    assert response.status_code == 303


def test_the_matrix_covers_every_admin_route(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = set()
    for method, url in MATRIX:
        covered |= {
            (method, rule.rule)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and method in rule.methods and _matches(rule, url)
        }
    assert rules - covered == set()


def _matches(rule, url: str) -> bool:
    sample = url.format(learner=1, certificate=1, organisation=1, cohort=1, batch="B" * 22)
    adapter = rule.map.bind("localhost")
    try:
        endpoint, _ = adapter.match(sample, method="GET" if "GET" in rule.methods else "POST")
    except Exception:  # noqa: BLE001 - not this rule
        return False
    return endpoint == rule.endpoint


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_role_by_route(client, people, role):
    users, ids, _amal, _bruno = people
    as_role(client, users, role)
    for (method, url), allowed in MATRIX.items():
        path = url.format(**ids)
        if method == "GET":
            status = client.get(path, buffered=True).status_code
        else:
            status = client.submit(path, {}).status_code
        if role in allowed:
            assert status not in (403, 404), (role, method, path, status)
        elif role == "manager_b" and "manager_a" in allowed:
            assert status == 404, (role, method, path, status)  # A's learner is not B's to see
        else:
            assert status == 403, (role, method, path, status)


def test_a_manager_sees_only_their_organisations_people(client, people):
    users, ids, amal, bruno = people
    as_role(client, users, "manager_a")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Ministry A" in dashboard and "University B" not in dashboard
    listing = client.get("/admin/learners").get_data(as_text=True)
    assert amal.email in listing and bruno.email not in listing
    # Asking for B's people by the filter gives nothing, never B's rows.
    other = client.get(f"/admin/learners?organisation={bruno.organisation_id}")
    assert bruno.email not in other.get_data(as_text=True)
    assert client.get(f"/admin/learners/{bruno.id}").status_code == 404
    searched = client.get(f"/admin/learners?q={bruno.email}").get_data(as_text=True)
    assert f"/admin/learners/{bruno.id}" not in searched and "Bruno of B" not in searched


def test_a_manager_downloads_only_their_people(client, people):
    users, _ids, amal, bruno = people
    as_role(client, users, "manager_a")
    for report in ("completions", "attempts"):
        text = client.get(f"/admin/reports/{report}.csv").get_data(as_text=True)
        emails = {row["email"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
        assert emails == {amal.email}, report
    archive = client.get("/admin/courses/basics/certificates.zip").get_data()
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        listing = files.read(next(n for n in files.namelist() if n.endswith(".csv")))
    assert amal.email.encode() in listing and bruno.email.encode() not in listing
    # The filter names B's organisation: still only A's (here: nobody).
    text = client.get(
        f"/admin/reports/completions.csv?organisation={bruno.organisation_id}"
    ).get_data(as_text=True)
    assert bruno.email not in text


def test_a_managers_learner_page_reads_but_offers_no_action(client, people):
    users, _ids, amal, _bruno = people
    as_role(client, users, "manager_a")
    page = client.get(f"/admin/learners/{amal.id}").get_data(as_text=True)
    assert "Amal of A" in page and "basics" in page.lower()
    assert 'action="/admin/' not in page  # no account or certificate action
    assert 'id="history"' not in page and "/admin/audit" not in page
    assert "/admin/organisations" not in page


def test_an_admin_makes_someone_a_manager_of_organisations(client, people):
    users, _ids, amal, bruno = people
    as_role(client, users, "admin")
    person = users["learner"]
    response = client.submit(
        f"/admin/learners/{person.id}/account",
        {
            "role": "manager",
            "organisation": "none",
            "manages": [str(amal.organisation_id), str(bruno.organisation_id)],
            "reason": "Focal point for both",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.role == Role.MANAGER
    assert {o.name for o in person.managed_organisations} == {"Ministry A", "University B"}
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="user.manages"))
    assert event.detail["after"] == "Ministry A, University B"
    # Made a learner again, they manage nothing.
    client.submit(
        f"/admin/learners/{person.id}/account",
        {"role": "learner", "organisation": "none", "reason": "Left the role"},
    )
    db.session.expire_all()
    assert db.session.get(User, person.id).managed_organisations == []


def test_the_cli_creates_a_manager_of_an_organisation(runner, app):
    result = runner.invoke(
        args=[
            "users", "create", "--email", "focal@ministry.example", "--name", "Focal Point",
            "--role", "manager", "--organisation", "Ministry of Planning", "--password-stdin",
        ],
        input="a long enough password\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="focal@ministry.example"))
    assert [o.name for o in user.managed_organisations] == ["Ministry of Planning"]
    refused = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "manager"],
        input="a long enough password\n",
    )
    assert refused.exit_code != 0 and "--organisation" in refused.output
