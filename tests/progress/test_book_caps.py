"""The offline course PDF is built in a child process with a memory and a time cap (issue 13).

A course within the content limits grew a worker to 2.2 GB building its PDF. The caps
here are tiny so that they trip without allocating anything like that.
"""

from __future__ import annotations

import pytest

COURSE = "/courses/basics"


@pytest.fixture
def enrolled(client, login_as):
    login_as()
    client.submit(f"{COURSE}/enrol")
    return client


def assert_clear_error(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "The PDF could not be made" in page
    assert "You can still read every lesson online" in page


@pytest.mark.parametrize("memory", [64 * 1024 * 1024])
def test_a_pdf_over_the_memory_cap_gives_a_clear_error_page(app, enrolled, memory):
    app.config["BOOK_MEMORY_BYTES"] = memory
    assert_clear_error(enrolled.get(f"{COURSE}/course.pdf"))
    assert enrolled.get(COURSE).status_code == 200  # the worker lives on


def test_a_pdf_over_the_time_cap_gives_a_clear_error_page(app, enrolled):
    app.config["BOOK_SECONDS"] = 0.01
    assert_clear_error(enrolled.get(f"{COURSE}/course.pdf"))


def test_the_error_page_is_translated(app, client, login_as):
    login_as(language="fr")
    client.submit(f"{COURSE}/enrol")
    app.config["BOOK_SECONDS"] = 0.02
    page = client.get(f"{COURSE}/course.pdf").get_data(as_text=True)
    assert "Le PDF n’a pas pu être créé" in page


def test_within_the_caps_the_pdf_is_built(app, enrolled):
    app.config["BOOK_SECONDS"] = 120.0
    response = enrolled.get(f"{COURSE}/course.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
