"""The bulk import in Chromium (issue 16): upload, preview, confirm, with and without
JavaScript; each page axe-clean."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from learnapp.extensions import db
from learnapp.models import Cohort, CohortCourse, User
from tests.browser.conftest import FIRST_COURSE, create_account, log_in

pytestmark = pytest.mark.browser


def test_an_admin_previews_and_confirms_an_import(visit_any_js, live_server):
    tag = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        cohort = Cohort(name=f"Spring {tag}")
        cohort.courses = [CohortCourse(course_slug=FIRST_COURSE)]
        db.session.add(cohort)
        db.session.commit()
    admin = create_account(live_server, role="admin", name="Import Admin")
    text = (
        "\ufeffemail;name;organisation;language;cohort\r\n"
        f"amina-{tag}@example.org;أمينة حداد;Ministry {tag};ar;Spring {tag}\r\n"
        f'jean-{tag}@example.org;"Dupont; Jean";Ministry {tag};fr;Spring {tag}\r\n'
        f"oops-{tag};Nobody;;;\r\n"
    )
    page = visit_any_js.page
    log_in(visit_any_js, admin)
    visit_any_js.go("/admin/learners")
    page.get_by_role("link", name="Import learners from a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import learners from a file")
    visit_any_js.check_accessible()
    page.get_by_label("CSV file").set_input_files(
        {"name": "learners.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of the import")
    expect(page.get_by_text(f"line 4: “oops-{tag}” is not an e-mail address").first).to_be_visible()
    expect(page.get_by_text("أمينة حداد")).to_be_visible()
    visit_any_js.check_accessible()
    with live_server.app.app_context():
        assert (
            db.session.scalar(db.select(User).filter_by(email=f"amina-{tag}@example.org")) is None
        )
    page.get_by_role("button", name="Import these learners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import done")
    expect(page.get_by_text("Accounts created: 2")).to_be_visible()
    expect(page.get_by_role("link", name="Download the invitation links (CSV)")).to_be_visible()
    visit_any_js.check_accessible()
    with live_server.app.app_context():
        amina = db.session.scalar(db.select(User).filter_by(email=f"amina-{tag}@example.org"))
        assert amina.name == "أمينة حداد" and amina.organisation.name == f"Ministry {tag}"
