"""Bulk import over HTTP (issue 16): upload, preview, confirm; idempotent, scoped, safe to
confirm twice; invitations through the real outbox and SMTP, or as a CSV of links."""

from __future__ import annotations

import csv
import io
import re

import pytest

from learnapp.admin import imports
from learnapp.extensions import db
from learnapp.mail.sender import MailServer, drain
from learnapp.models import (
    AuditEvent,
    Cohort,
    CohortCourse,
    CohortMember,
    Enrolment,
    Organisation,
    OutboxMessage,
    PasswordReset,
    User,
)
from tests.conftest import COURSE, PASSWORD, manager
from tests.mail.conftest import smtp, text_part  # noqa: F401 - the real SMTP server fixture

NEW = {"password": "a brand new password", "confirm": "a brand new password"}
FILE = (
    "\ufeffemail;name;organisation;language;cohort\r\n"
    "amina@a.example;أمينة حداد;Ministry A;ar;Spring A\r\n"
    '"jean@a.example";"Dupont; Jean ""JF""";Ministry A;fr;Spring A\r\n'
    "amal@a.example;Someone Else;Ministry A;en;Spring A\r\n"
    "broken-address;X;Ministry A;en;\r\n"
)


@pytest.fixture
def world(make_user):
    """Ministry A with learner Amal and cohort "Spring A" (course basics); University B
    with learner Bruno and cohort "Spring B"; an admin and A's manager."""
    amal = make_user(name="Amal of A", email="amal@a.example", organisation="Ministry A")
    bruno = make_user(name="Bruno of B", email="bruno@b.example", organisation="University B")
    for name, person in (("Spring A", amal), ("Spring B", bruno)):
        cohort = Cohort(name=name, organisation_id=person.organisation_id)
        cohort.courses = [CohortCourse(course_slug="basics")]
        db.session.add(cohort)
    db.session.commit()
    return {
        "amal": amal,
        "bruno": bruno,
        "admin": make_user(role="admin", email="admin@example.org"),
        "manager_a": manager(make_user, "focal@a.example", "Ministry A"),
    }


def log_in(client, user) -> None:
    client.submit("/logout")
    assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 303


def upload(client, text: str, filename: str = "learners.csv"):
    return client.submit(
        "/admin/learners/import",
        {"file": (io.BytesIO(text.encode()), filename)},
        content_type="multipart/form-data",
    )


def preview(client, text: str) -> tuple[str, str]:
    response = upload(client, text)
    assert response.status_code == 303, response.get_data(as_text=True)
    path = response.location
    return path, client.get(path).get_data(as_text=True)


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (User, Enrolment, CohortMember, OutboxMessage, PasswordReset, Organisation)
    }


def user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


class TestWithMail:
    @pytest.fixture
    def config_overrides(self, smtp):  # noqa: F811
        return {"MAIL_URL": smtp.url}

    def test_the_preview_saves_nothing_and_says_what_each_row_will_do(self, client, world):
        log_in(client, world["admin"])
        before = counts()
        _path, page = preview(client, FILE)
        assert counts() == before
        assert "New account, invited" in page and "Existing account, enrolled" in page
        assert "line 5: “broken-address” is not an e-mail address" in page
        assert "أمينة حداد" in page and "Dupont; Jean &#34;JF&#34;" in page

    def test_confirming_creates_enrols_and_sends_invitations_that_open_the_course(
        self,
        client,
        world,
        smtp,  # noqa: F811
    ):
        log_in(client, world["admin"])
        path, _page = preview(client, FILE)
        done = client.submit(path)
        assert done.status_code == 303
        result = client.get(path).get_data(as_text=True)
        assert "Accounts created: 2" in result and "Existing accounts enrolled: 1" in result
        amina = user("amina@a.example")
        assert (amina.name, amina.organisation.name, amina.language) == (
            "أمينة حداد",
            "Ministry A",
            "ar",
        )
        assert user("jean@a.example").name == 'Dupont; Jean "JF"'
        assert user("amal@a.example").name == "Amal of A"  # an existing account is not changed
        enrolled = set(db.session.scalars(db.select(Enrolment.user_id)))
        assert {amina.id, world["amal"].id, user("jean@a.example").id} <= enrolled
        members = db.session.scalar(db.select(db.func.count()).select_from(CohortMember))
        assert members == 3
        events = db.session.scalars(db.select(AuditEvent.action)).all()
        assert events.count("user.invite") == 2 and "user.import" in events

        assert drain(MailServer.from_url(smtp.url)).sent == 2
        [message] = smtp.to("amina@a.example")
        assert "basics" in message["Subject"].lower() or "Basics" in message["Subject"]
        link = re.search(r"https://learn\.example\.org(/welcome/\S+)", text_part(message)).group(1)
        client.submit("/logout")
        landed = client.submit(link, NEW)
        assert landed.status_code == 303 and landed.location.endswith(COURSE)

    def test_importing_the_same_file_again_changes_nothing(self, client, world):
        log_in(client, world["admin"])
        path, _page = preview(client, FILE)
        client.submit(path)
        after_first = counts()
        again, page = preview(client, FILE)
        assert "New account, invited" not in page and "Existing account, enrolled" not in page
        assert "There is nothing to import." in page
        client.submit(again)
        assert counts() == after_first

    def test_confirming_twice_imports_once(self, client, world):
        log_in(client, world["admin"])
        path, _page = preview(client, FILE)
        first, second = client.submit(path), client.submit(path)
        assert first.status_code == second.status_code == 303
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 2
        assert (
            db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "user.import"))
            == 1
        )

    def test_a_manager_imports_into_their_organisation_only(self, client, world):
        log_in(client, world["manager_a"])
        text = (
            "email,name,organisation,language,cohort\n"
            "new@a.example,New of A,,en,Spring A\n"
            "intruder@b.example,Into B,University B,en,\n"
            "cohort@b.example,Cohort B,Ministry A,en,Spring B\n"
            "bruno@b.example,Bruno,Ministry A,en,Spring A\n"
            "newplace@a.example,New Org,Brand New Org,en,\n"
        )
        path, page = preview(client, text)
        assert "line 3: you do not manage the organisation “University B”" in page
        assert "line 4: no cohort named “Spring B” that you may use" in page
        assert "line 5: an account with this e-mail belongs to another organisation" in page
        assert "line 6: you do not manage the organisation “Brand New Org”" in page
        client.submit(path)
        assert user("new@a.example").organisation.name == "Ministry A"
        assert user("intruder@b.example") is None and user("cohort@b.example") is None
        assert user("bruno@b.example").name == "Bruno of B"
        assert not db.session.scalar(db.select(Organisation).filter_by(name="Brand New Org"))
        bruno = world["bruno"].id
        assert not db.session.scalars(db.select(Enrolment).filter_by(user_id=bruno)).all()

    def test_an_admin_may_name_a_new_organisation(self, client, world):
        log_in(client, world["admin"])
        path, page = preview(client, "email,name,organisation\nn@new.example,Nour,Birzeit\n")
        assert "(new)" in page
        client.submit(path)
        assert user("n@new.example").organisation.name == "Birzeit"


class TestWithoutMail:
    @pytest.fixture
    def config_overrides(self):
        return {"MAIL_URL": ""}

    def test_the_invitation_links_come_as_a_csv_to_hand_over(self, client, world):
        log_in(client, world["admin"])
        path, page = preview(client, FILE)
        assert "download the invitation links" in page
        client.submit(path)
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
        result = client.get(path).get_data(as_text=True)
        href = re.search(r'href="([^"]+/links\.csv)"', result).group(1)
        download = client.get(href)
        assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
        text = download.get_data(as_text=True)
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [(r["email"], r["name"]) for r in rows] == [
            ("amina@a.example", "أمينة حداد"),
            ("jean@a.example", 'Dupont; Jean "JF"'),
        ]
        link = rows[0]["invitation_link"].removeprefix("https://learn.example.org")
        client.submit("/logout")
        assert client.submit(link, NEW).status_code == 303
        # Another manager, or anyone, cannot fetch them.
        assert "export.invitation_links" in db.session.scalars(db.select(AuditEvent.action)).all()


class TestSafety:
    def test_a_tampered_or_foreign_import_id_is_not_found(self, client, world):
        log_in(client, world["manager_a"])
        path, _page = preview(client, FILE)
        batch = path.rsplit("/", 1)[1]
        for forged in ("A" * 22, batch[:-1] + ("B" if batch[-1] != "B" else "C"), "..%2F..%2Fetc"):
            assert client.get(f"/admin/learners/import/{forged}").status_code == 404
            assert client.submit(f"/admin/learners/import/{forged}").status_code == 404
        # Manager B cannot see or confirm A's import; the admin can see it.
        other = manager_b(world)
        log_in(client, other)
        assert client.get(path).status_code == 404
        assert client.submit(path).status_code == 404
        assert user("amina@a.example") is None
        log_in(client, world["admin"])
        assert client.get(path).status_code == 200

    def test_extra_form_fields_change_nothing_imported(self, client, world):
        log_in(client, world["manager_a"])
        path, _page = preview(client, "email,name\nonly@a.example,Only One\n")
        client.submit(
            path, {"email": "evil@b.example", "organisation": "University B", "file": "x"}
        )
        assert user("only@a.example").organisation.name == "Ministry A"
        assert user("evil@b.example") is None

    def test_an_unreadable_file_is_refused_at_upload_and_not_kept(self, client, world, app):
        log_in(client, world["admin"])
        response = upload(client, "")
        assert response.status_code == 422 and "The file is empty." in response.get_data(
            as_text=True
        )
        latin = client.submit(
            "/admin/learners/import",
            {"file": (io.BytesIO("email;name\nl@x.org;Éloïse\n".encode("cp1252")), "l.csv")},
            content_type="multipart/form-data",
        )
        assert latin.status_code == 422 and "CSV UTF-8" in latin.get_data(as_text=True)
        header = upload(client, "mail address;who\nx@y.org;X\n")
        assert header.status_code == 422 and "missing: email, name" in header.get_data(as_text=True)
        assert not (imports._root().exists() and any(imports._root().iterdir()))

    def test_learners_and_trainers_cannot_import(self, client, world, make_user):
        for role in ("learner", "trainer"):
            person = make_user(role=role)
            log_in(client, person)
            assert client.get("/admin/learners/import").status_code == 403
            assert upload(client, FILE).status_code == 403


def manager_b(world):
    from learnapp.auth import service

    person = service.create_user(
        email="focal@b.example", name="Focal B", password=PASSWORD, role="manager"
    )
    person.managed_organisations = [world["bruno"].organisation]
    db.session.commit()
    return person


class TestConfirmation:
    def test_two_confirmations_at_once_import_once(self, app, world):
        from tests.conftest import logged_in_clients, run_at_once

        first, second = logged_in_clients(app, world["admin"].email, 2)
        path, _page = preview(first, FILE)
        tokens = [c.csrf_token() for c in (first, second)]
        statuses = run_at_once(
            lambda c, t: c.post(path, data={"csrf_token": t}).status_code,
            [(first, tokens[0]), (second, tokens[1])],
        )
        assert statuses == [303, 303]
        assert (
            db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "user.import"))
            == 1
        )
        assert db.session.scalar(db.select(db.func.count()).select_from(PasswordReset)) == 2

    def test_a_failure_half_way_saves_nothing_and_the_file_can_be_confirmed_again(
        self, client, world, monkeypatch
    ):
        log_in(client, world["admin"])
        path, _page = preview(client, FILE)
        before = counts()

        def broken(*args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr("learnapp.cohorts.service.join_many", broken)
        with pytest.raises(RuntimeError):
            client.submit(path)
        assert counts() == before
        assert "Preview of the import" in client.get(path).get_data(as_text=True)
        monkeypatch.undo()
        assert client.submit(path).status_code == 303
        assert user("amina@a.example") is not None

    def test_an_import_being_done_says_so(self, client, world):
        log_in(client, world["admin"])
        path, _page = preview(client, FILE)
        assert imports.claim(path.rsplit("/", 1)[1])
        page = client.get(path).get_data(as_text=True)
        assert "Import in progress" in page and "Import these learners" not in page


def test_a_manager_of_several_organisations_names_one(client, world):
    focal = world["manager_a"]
    focal.managed_organisations = [world["amal"].organisation, world["bruno"].organisation]
    db.session.commit()
    log_in(client, focal)
    text = "email,name,organisation\nx@a.example,X,\ny@b.example,Y,University B\n"
    path, page = preview(client, text)
    assert "line 2: name one of the organisations you manage" in page
    client.submit(path)
    assert user("x@a.example") is None
    assert user("y@b.example").organisation.name == "University B"


def test_the_preview_speaks_the_readers_language(client, world):
    world["admin"].language = "fr"
    db.session.commit()
    log_in(client, world["admin"])
    _path, page = preview(client, FILE)
    assert "ligne 5 : « broken-address » n&#39;est pas une adresse e-mail" in page
    assert "Nouveau compte, invité" in page


def test_a_claim_left_by_a_dead_process_is_taken_again_later(client, world):
    import os
    import time

    log_in(client, world["admin"])
    path, _page = preview(client, FILE)
    batch = path.rsplit("/", 1)[1]
    assert imports.claim(batch)  # a worker claimed it, then died before its commit
    assert client.submit(path).status_code == 303 and user("amina@a.example") is None
    old = time.time() - imports.STALE_CLAIM.total_seconds() - 60
    os.utime(imports._root() / batch / "claimed", (old, old))
    assert client.submit(path).status_code == 303
    assert user("amina@a.example") is not None
    assert not imports.claim(batch)  # done: never again


def test_an_organisation_is_found_whatever_its_case_and_unicode_form(client, world):
    import unicodedata

    from learnapp.auth import service

    service.find_or_create_organisation("Ministère de l'Éducation")
    db.session.commit()
    log_in(client, world["admin"])
    decomposed = unicodedata.normalize("NFD", "MINISTÈRE DE L'ÉDUCATION")
    path, page = preview(client, f"email,name,organisation\nm@e.example,Mona,{decomposed}\n")
    assert "(new)" not in page
    client.submit(path)
    assert user("m@e.example").organisation.name == "Ministère de l'Éducation"
