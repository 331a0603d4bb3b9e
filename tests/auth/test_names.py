"""Names of people and organisations hold visible text only (issue 13 item 4).

A right-to-left override prints a name reversed on a certificate, a zero-width space alone
gives a certificate with a blank name, and terminal escapes end up in CSV exports. Every
form and command that sets a name or an organisation refuses them, with one message.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func

from learnapp.extensions import db
from learnapp.models import Organisation, User
from tests.conftest import register

INVISIBLE = "Use visible characters only: no control, formatting or direction-changing ones."
NO_LETTER = "Enter a name with at least one letter."
HOSTILE = [
    ("Dr. Ali \u202eSmith\u202c", INVISIBLE),  # right-to-left override … pop
    ("Ali\u2066Smith\u2069", INVISIBLE),  # isolates
    ("Ali\u200fSmith", INVISIBLE),  # right-to-left mark
    ("\u200b", INVISIBLE),  # zero-width space alone
    ("\u0301\u0301", NO_LETTER),  # combining accents alone
    ("Bell\x07", INVISIBLE),
    ("\x1b[31mRed", INVISIBLE),
    ("Soft\u00adhyphen\ufeff", INVISIBLE),
    ("1234 ---", NO_LETTER),
]
# Persian and Arabic names may need the zero-width non-joiner and joiner.
FINE = ["Mohammad\u200cReza", "نیم\u200cفاصله", "Zoë Ørsted-Nkosi", "Ng\u200dozi", "陈 明"]


def count(model) -> int:
    return db.session.scalar(db.select(func.count(model.id)))


@pytest.mark.parametrize(("name", "message"), HOSTILE)
def test_registration_refuses_an_invisible_or_direction_changing_name(client, name, message):
    response = register(client, name=name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize(("name", "message"), HOSTILE)
def test_registration_refuses_such_an_organisation_name(client, name, message):
    response = register(client, organisation_other=name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(User) == 0 and count(Organisation) == 0


@pytest.mark.parametrize("name", FINE)
def test_names_with_joiners_and_any_script_are_accepted(client, name):
    response = register(client, name=name, organisation_other=name)
    assert response.status_code == 303, response.get_data(as_text=True)
    user = db.session.scalar(db.select(User))
    assert user.name == name and user.organisation.name == name


@pytest.mark.parametrize(("name", "message"), HOSTILE)
def test_admin_cannot_add_or_rename_an_organisation_to_such_a_name(client, login_as, name, message):
    login_as("admin")
    added = client.submit("/admin/organisations/new", {"name": name, "kind": "ngo"})
    assert added.status_code == 200 and message in added.get_data(as_text=True)
    assert count(Organisation) == 0
    client.submit("/admin/organisations/new", {"name": "UNRWA", "kind": "ngo"})
    created = db.session.scalar(db.select(Organisation))
    renamed = client.submit(f"/admin/organisations/{created.id}", {"name": name, "kind": "ngo"})
    assert renamed.status_code == 200 and message in renamed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(Organisation.name)) == "UNRWA"


def test_admin_cannot_set_an_invisible_country(client, login_as):
    login_as("admin")
    response = client.submit(
        "/admin/organisations/new", {"name": "UNRWA", "kind": "ngo", "country": "\u202eenitselaP"}
    )
    assert response.status_code == 200 and INVISIBLE in response.get_data(as_text=True)
    assert count(Organisation) == 0


def _create(runner, name="Sam Trainer", organisation=None):
    args = ["users", "create", "--email", "sam@example.org", "--name", name, "--password-stdin"]
    if organisation is not None:
        args += ["--organisation", organisation]
    return runner.invoke(args=args, input="a long enough password\n")


@pytest.mark.parametrize(("name", "message"), HOSTILE)
def test_users_create_refuses_such_a_name_or_organisation(runner, name, message):
    for result in (_create(runner, name=name), _create(runner, organisation=name)):
        assert result.exit_code == 1
        assert message in result.output
    assert count(User) == 0 and count(Organisation) == 0
