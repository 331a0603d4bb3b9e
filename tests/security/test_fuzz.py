"""Fuzzing every route and form: whatever arrives, the answer is 2xx, 3xx or 4xx (issue 10).

Route parameters, query strings, form fields, uploads, headers and raw bodies get
overlong, Unicode, control-character, NUL, wrong-type and repeated values. The test app
propagates exceptions, so any unhandled error fails the test with its traceback.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.extensions import db
from learnapp.models import QuizAttempt
from tests.security.conftest import TEXT, assert_handled, field_names

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SEGMENT = TEXT.map(lambda text: quote(text, safe="")) | st.binary(max_size=12).map(
    lambda raw: quote_from_bytes(raw, safe="")
)
NUMBER = st.sampled_from(["0", "1", "2", "9" * 30]) | st.integers(0, 2**80).map(str)
REAL = {
    "course_slug": ["basics", "integrity", "draft-notes"],
    "lesson_slug": ["first-steps", "working-together", "only"],
    "quiz_slug": ["check", "secret"],
    "code": ["LA-0000-0000-0000-0000-0000", "la 0000 0000 0000 0000 0000"],
}
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")
# Every name a view or form of the app reads, and a few it does not.
FIELDS = [
    "csrf_token", "email", "password", "confirm", "name", "organisation", "organisation_other",
    "language", "next", "code", "attempt_token", "reason", "role", "kind", "country", "into",
    "q", "course", "status", "sort", "dir", "page", "action", "enrolled_from", "enrolled_to",
    "is_admin", "user_id", "",
]  # fmt: skip
PAIRS = st.lists(st.tuples(st.sampled_from(FIELDS) | TEXT, TEXT | st.lists(TEXT, max_size=3)))


def _value(draw, converter: str, name: str) -> str:
    if converter == "int":
        return draw(NUMBER)
    if converter == "path":
        return "/".join(draw(st.lists(SEGMENT, min_size=1, max_size=4)))
    real = REAL.get(name)
    return draw(st.sampled_from(real) | SEGMENT) if real else draw(SEGMENT)


def fuzzed_url(draw, rule) -> str:
    """A URL of the rule with hostile arguments and a hostile query string."""
    path = ARGUMENT.sub(lambda match: _value(draw, match.group(1) or "", match.group(2)), rule)
    query = urlencode(draw(PAIRS), doseq=True)
    return f"{path}?{query}" if query else path


def rules(app, method: str) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if method in r.methods)


def form_data(draw, csrf_token: str) -> dict:
    """Form fields with hostile values; usually with a valid CSRF token, to get past it."""
    data: dict = {}
    for name, value in draw(PAIRS):
        data.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    if draw(st.booleans()) or draw(st.booleans()):
        data["csrf_token"] = csrf_token
    return data


@pytest.mark.parametrize("who", ["anonymous", "learner", "admin"])
@FUZZ
@given(data=st.data())
def test_every_get_route_answers_without_a_server_error(app, client, login_as, who, data):
    if who != "anonymous" and not getattr(client, "fuzz_user", None):
        client.fuzz_user = login_as(who)
        client.submit("/courses/basics/enrol")
    url = fuzzed_url(data.draw, data.draw(st.sampled_from(rules(app, "GET"))))
    assert_handled(client.get(url, buffered=True))


@pytest.mark.parametrize("who", ["anonymous", "learner", "admin"])
@FUZZ
@given(data=st.data())
def test_every_post_route_answers_without_a_server_error(app, client, login_as, who, data):
    if who != "anonymous" and not getattr(client, "fuzz_user", None):
        client.fuzz_user = login_as(who)
        client.submit("/courses/basics/enrol")
    url = fuzzed_url(data.draw, data.draw(st.sampled_from(rules(app, "POST"))))
    response = client.post(url, data=form_data(data.draw, client.csrf_token()), buffered=True)
    assert_handled(response)


@FUZZ
@given(data=st.data())
def test_registration_and_login_forms_take_any_input(client, data):
    form = data.draw(st.sampled_from(["/register", "/login", "/language", "/verify"]))
    fields = {
        name: data.draw(TEXT | st.lists(TEXT, max_size=3))
        for name in field_names(client.get(form).get_data(as_text=True))
        if name != "csrf_token" and data.draw(st.integers(0, 4))
    }
    fields["csrf_token"] = client.csrf_token()
    assert_handled(client.post(form, data=fields))


REGISTRATION = {
    "name": "Amina Haddad",
    "organisation": "other",
    "organisation_other": "Ministry of Education",
    "password": "correct horse battery",
    "confirm": "correct horse battery",
    "language": "en",
}


@FUZZ
@given(field=st.sampled_from([*REGISTRATION, "email"]), value=TEXT, number=st.integers(0, 10**9))
def test_a_registration_with_one_hostile_field_is_handled(
    client, cheap_hashing, field, value, number
):
    # All other fields valid, so the hostile value reaches the service and the database.
    form = {**REGISTRATION, "email": f"fuzz{number}@example.org", field: value}
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    response = client.submit("/register", form)
    assert_handled(response)
    assert response.status_code in (200, 303, 400)


@FUZZ
@given(
    content=st.binary(max_size=2048) | st.sampled_from([b"%PDF-1.7\n%%EOF", b"\x00" * 1024]),
    filename=TEXT,
    code=TEXT,
)
def test_verify_upload_takes_any_file_and_name(client, content, filename, code):
    data = {
        "csrf_token": client.csrf_token(),
        "code": code,
        "pdf": (io.BytesIO(content), filename or "x"),
    }
    response = client.post("/verify", data=data, content_type="multipart/form-data")
    assert_handled(response)


class QuizPage:
    """The field names and option ids of a quiz page as served."""

    def __init__(self, html: str):
        self.token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
        self.fields = sorted(set(re.findall(r'name="(q\w+)"', html)))
        self.options = sorted(set(re.findall(r'name="q\w+" value="(\w+)"', html)))


@FUZZ
@given(data=st.data())
def test_quiz_submission_with_a_real_token_takes_any_answers(client, learner, data):
    page = QuizPage(client.get("/courses/basics/quizzes/check").get_data(as_text=True))
    answer = st.sampled_from(page.options) | TEXT
    form = {
        name: data.draw(st.lists(answer, max_size=3))
        for name in page.fields + data.draw(st.lists(TEXT, max_size=2))
    }
    form["attempt_token"] = data.draw(st.just(page.token) | TEXT)
    form["csrf_token"] = client.csrf_token()
    response = client.post("/courses/basics/quizzes/check", data=form)
    assert_handled(response)
    assert response.status_code in (303, 400, 409, 422)


def test_tampered_quiz_answers_store_nothing(client, learner):
    page = QuizPage(client.get("/courses/basics/quizzes/check").get_data(as_text=True))
    form = {name: ["x\x00", "9" * 600] for name in page.fields}
    response = client.submit("/courses/basics/quizzes/check", {**form, "attempt_token": page.token})
    assert response.status_code == 400
    assert db.session.scalars(db.select(QuizAttempt)).all() == []


# As a header arrives through an HTTP server: bytes read as Latin-1, never CR, LF or NUL.
def test_nul_in_a_login_or_registration_is_refused_with_400(client):
    # PostgreSQL cannot compare or store text with NUL: this was a server error there.
    login = client.submit("/login", {"email": "a\x00b@example.org", "password": "x" * 12})
    assert login.status_code == 400
    register = client.submit(
        "/register",
        {
            "name": "A\x00B",
            "email": "ab@example.org",
            "organisation": "other",
            "organisation_other": "Org",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
            "language": "en",
        },
    )
    assert register.status_code == 400
    assert client.get("/verify?code=%00").status_code == 400


@pytest.mark.parametrize(
    "url", ["/admin/learners/99999999999999999999", "/admin/learners/2147483648"]
)
def test_ids_beyond_a_database_integer_are_404(client, login_as, url):
    login_as("admin")
    # SQLite raised OverflowError and PostgreSQL "integer out of range": server errors.
    assert client.get(url).status_code == 404
    assert client.submit(f"{url}/deactivate").status_code == 404


HEADER_VALUES = TEXT.map(
    lambda text: re.sub("[\r\n\x00]", "", text).encode("utf-8", "replace").decode("latin-1")
)


@FUZZ
@given(
    accept_language=HEADER_VALUES,
    if_none_match=HEADER_VALUES,
    cookie=HEADER_VALUES,
    path=st.sampled_from(["/", "/login", "/courses/basics", "/verify", "/me"]),
)
def test_hostile_headers_and_cookies_are_handled(
    client, accept_language, if_none_match, cookie, path
):
    headers = {
        "Accept-Language": accept_language,
        "If-None-Match": if_none_match,
        "Cookie": f"learnapp_session={cookie}",
    }
    assert_handled(client.get(path, headers=headers))


@FUZZ
@given(
    body=st.binary(max_size=1024),
    content_type=st.sampled_from(
        [
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain; charset=utf-32",
            "application/x-www-form-urlencoded; charset=nonsense",
        ]
    ),
    path=st.sampled_from(["/login", "/register", "/verify", "/language", "/logout"]),
)
def test_raw_bodies_of_any_type_are_handled(client, body, content_type, path):
    assert_handled(client.post(path, data=body, content_type=content_type))
