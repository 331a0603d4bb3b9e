"""The lesson page and "Mark complete" stay lean: few statements, no write per reload (issue 9)."""

import re

from learnapp.extensions import db
from learnapp.models import Enrolment
from tests.conftest import statements, verbs

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

COURSE = "/courses/basics"


def macros_built_by(module, monkeypatch) -> list[str]:
    """The names of the template macros `module` builds while the test runs."""
    built: list[str] = []
    original = module.get_template_attribute

    def counting(template, name):
        built.append(name)
        return original(template, name)

    monkeypatch.setattr(module, "get_template_attribute", counting)
    return built


def _enrolled(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    client.get(f"{COURSE}/first-steps")  # the CSRF token is in the session from here on


def test_mark_complete_reads_enrolment_and_progress_once_after_the_insert(client, login_as):
    _enrolled(client, login_as)
    token = client.csrf_token()
    with statements() as sent:
        response = client.post(f"{COURSE}/first-steps/complete", data={"csrf_token": token})
    assert response.status_code == 303
    # The session, the insert (if enrolled), then the enrolment with the progress after it
    # (issue 18: the enrolment was read before the insert too).
    assert verbs(sent) == ["SELECT", "INSERT", "SELECT"], sent


def test_a_lesson_page_reads_enrolment_and_progress_once(client, login_as):
    _enrolled(client, login_as)
    with statements() as sent:
        assert client.get(f"{COURSE}/working-together").status_code == 200
    # The session (with its user), then the enrolment with the progress in one (issue 18).
    assert verbs(sent).count("SELECT") == 2, sent
    assert verbs(sent).count("UPDATE") == 1  # the visit


def test_reloading_a_lesson_within_minutes_writes_nothing(client, login_as):
    _enrolled(client, login_as)
    first = db.session.scalar(db.select(Enrolment.last_visited_at))
    with statements() as sent:
        client.get(f"{COURSE}/first-steps")
    assert "UPDATE" not in verbs(sent)
    assert db.session.scalar(db.select(Enrolment.last_visited_at)) == first
    client.get(f"{COURSE}/working-together")
    db.session.expire_all()
    enrolled = db.session.scalar(db.select(Enrolment))
    assert enrolled.last_lesson_slug == "working-together"
    assert enrolled.last_visited_at >= first


def test_the_outline_is_rendered_once_per_course_version_and_language(
    client, login_as, monkeypatch
):
    import learnapp.catalogue as catalogue

    built = macros_built_by(catalogue, monkeypatch)
    _enrolled(client, login_as)
    assert built == ["outline_item"]
    client.submit(f"{COURSE}/first-steps/complete")
    page = client.get(f"{COURSE}/working-together").get_data(as_text=True)
    client.get(COURSE)
    assert built == ["outline_item"]  # progress and page changed, the outline was not rebuilt
    outline = page.split('class="outline', 1)[1]
    done, current = outline.split("<li")[1], outline.split("<li")[2]
    assert 'class="done"' in done and "(done)" in done and "aria-current" not in done
    assert 'aria-current="page"' in current and 'class="done"' not in current
    client.submit("/language", {"language": "fr", "next": "/"})
    page = client.get(f"{COURSE}/working-together").get_data(as_text=True)
    assert built == ["outline_item", "outline_item"]  # French: its own
    assert "(terminé)" in page


def test_the_header_and_footer_are_rendered_once_per_language_and_role(
    client, login_as, monkeypatch
):
    import learnapp.caching as caching

    built = macros_built_by(caching, monkeypatch)
    login_as()
    client.get("/me")
    built.clear()
    page = client.get(f"{COURSE}?x=<'&>").get_data(as_text=True)
    again = client.get("/me").get_data(as_text=True)
    assert built == []  # the learner's header and footer in English: stored already
    # The visitor's own token (one per page: log out, the language switcher) and the page's
    # own path (escaped), filled in per request. A view that builds a form signs the token
    # anew, so pages a second apart may differ: the token is checked by using it below.
    header, footer = page.split("</header>")[0], page.split('class="site-footer"')[1]
    token = CSRF_FIELD.search(header).group(1)
    assert f'name="csrf_token" value="{token}"' in footer
    assert 'name="next" value="/courses/basics?x=&lt;&#39;&amp;&gt;"' in page
    assert 'name="next" value="/me"' in again and "My learning" in again
    assert "Administration" not in again and "slot" not in page + again
    client.submit("/language", {"language": "fr", "next": "/"})
    built.clear()
    french = client.get("/me").get_data(as_text=True)
    assert built == ["header", "footer"] and "Mon apprentissage" in french
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    login_as("admin")
    built.clear()
    admin = client.get("/me").get_data(as_text=True)
    assert built == ["header", "footer"] and "Administration" in admin
