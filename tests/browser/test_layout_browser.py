"""Layout in Chromium (issue 13): aligned table columns; every page fits a 375 px phone."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from learnapp.catalogue import catalogue
from tests.browser.conftest import PASSWORD, Visit, assert_accessible, log_in, seed_people

pytestmark = pytest.mark.browser
COURSE = "origins-of-a-learning-alliance"
PHONE = {"width": 375, "height": 740}

TABLES_COURSE = """---
title: Layout Tables
summary: Aligned columns.
status: draft
---
Tables for the layout test.
"""
TABLES_LESSON = """# Aligned columns

| Item   | Count | Note |
|:-------|------:|:----:|
| Apples |    12 |  ok  |

<table><tr><td align="right" style="background: rgb(255, 0, 0)">raw</td></tr></table>
"""


@pytest.fixture(scope="module")
def people(live_server):
    return seed_people(live_server.app)


@pytest.fixture(scope="module")
def tables_course(live_server):
    """A draft course with aligned columns, in the live server's content for this module."""
    folder = Path(live_server.app.config["COURSES_DIR"]) / "98-layout-tables"
    folder.mkdir()
    (folder / "course.md").write_text(TABLES_COURSE, encoding="utf-8")
    (folder / "01-aligned-columns.md").write_text(TABLES_LESSON, encoding="utf-8")
    with live_server.app.app_context():
        deadline = time.monotonic() + 10
        while "layout-tables" not in catalogue().courses and time.monotonic() < deadline:
            time.sleep(0.2)
    yield "/courses/layout-tables/aligned-columns"
    shutil.rmtree(folder)


def open_tab(browser, live_server, locale="en-GB", viewport=None) -> Visit:
    viewport = viewport or {"width": 1280, "height": 800}
    context = browser.new_context(locale=locale, viewport=viewport)
    return Visit(context, live_server.url)


def test_aligned_table_columns_render_aligned(browser, live_server, people, tables_course):
    tab = open_tab(browser, live_server)
    try:
        log_in(tab, people["trainer"][1])
        tab.go(tables_course)
        cells = tab.page.locator(".prose table").first.locator("tbody td")
        aligns = [cells.nth(i).evaluate("c => getComputedStyle(c).textAlign") for i in range(3)]
        assert aligns == ["left", "right", "center"]
        header = tab.page.locator(".prose table").first.locator("th").nth(1)
        assert header.evaluate("c => getComputedStyle(c).textAlign") == "right"
        # Raw HTML keeps its align= but never a style= of the trainer's.
        raw = tab.page.locator(".prose table").nth(1).locator("td")
        assert raw.get_attribute("style") is None
        assert raw.evaluate("c => getComputedStyle(c).textAlign") == "right"
        assert raw.evaluate("c => getComputedStyle(c).backgroundColor") != "rgb(255, 0, 0)"
        assert_accessible(tab.page)
    finally:
        tab.context.close()


FITS = """() => {
  const width = document.documentElement.clientWidth;
  const items = [...document.querySelectorAll('.site-header .brand, .site-header .nav > li')];
  const boxes = items.map(el => { const r = el.getBoundingClientRect();
    return {text: el.textContent.trim(), top: r.top, bottom: r.bottom, height: r.height}; });
  const rows = [];  // items side by side (overlapping vertically) share a row
  let bottom = -Infinity;
  for (const box of boxes.slice(1).sort((a, b) => a.top - b.top)) {
    if (box.top >= bottom - 1) { rows.push(0); bottom = box.bottom; }
    bottom = Math.max(bottom, box.bottom);
    rows[rows.length - 1] += 1;
  }
  const wide = [...document.querySelectorAll('table')].filter(
    t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    tall: boxes.filter(b => b.height > 50).map(b => b.text),
    rows,
    unlabelledScrollers: wide.map(t => t.parentElement).filter(s => !(
      s.getAttribute('role') === 'region' && s.tabIndex === 0 &&
      (s.getAttribute('aria-label') || s.getAttribute('aria-labelledby')))).length,
  };
}"""


def admin_pages(people, quiz_path) -> list[str]:
    return [
        "/admin/",
        "/admin/learners",
        f"/admin/learners/{people['learner'][0]}",
        "/admin/learners/invite",
        "/admin/organisations",
        "/admin/organisations/new",
        f"/admin/organisations/{people['organisation']}",
        "/admin/quizzes",
        quiz_path,
        "/admin/content",
        "/admin/audit",
        "/admin/email",
    ]


def learner_pages(live_server) -> list[str]:
    with live_server.app.app_context():
        course = catalogue().courses[COURSE]
        quiz, lesson = course.quizzes[0], course.lessons[0]
    base = f"/courses/{COURSE}"
    return [
        "/",
        base,
        f"{base}/{lesson.slug}",
        f"{base}/quizzes/{quiz.slug}",
        f"{base}/quizzes/{quiz.slug}/attempts/1",
        "/me",
        "/account",
        "/verify",
    ]


def check_fits(tab, path: str) -> None:
    response = tab.go(path)
    assert response.status == 200, path
    found = tab.page.evaluate(FITS)
    assert found["scrollWidth"] <= PHONE["width"], (path, found)
    assert found["tall"] == [], (path, found)  # no header item broken over two lines
    # One line, or rows of at least two items: no item alone on a line of its own.
    assert len(found["rows"]) == 1 or min(found["rows"]) >= 2, (path, found)
    assert found["unlabelledScrollers"] == 0, (path, found)


@pytest.mark.parametrize("locale", ["en-GB", "fr", "ar"])
def test_admin_pages_fit_a_phone(browser, live_server, people, locale):
    tab = open_tab(browser, live_server, locale, PHONE)
    try:
        _log_in_any(tab, people, language=locale[:2])
        tab.go("/admin/quizzes")
        quiz = tab.page.locator("a[href^='/admin/quizzes/']").first.get_attribute("href")
        for path in admin_pages(people, quiz):
            check_fits(tab, path)
        assert_accessible(tab.page)
    finally:
        tab.context.close()


@pytest.mark.parametrize("locale", ["en-GB", "fr", "ar"])
def test_learner_pages_fit_a_phone(browser, live_server, people, locale):
    tab = open_tab(browser, live_server, locale, PHONE)
    try:
        for path in ("/", "/login", "/register", "/verify"):
            check_fits(tab, path)
        _log_in_any(tab, people, role="learner", language=locale[:2])
        for path in learner_pages(live_server):
            check_fits(tab, path)
    finally:
        tab.context.close()


def _log_in_any(tab, people, role="admin", language="en") -> None:
    """Log in through the form whatever the page's language, then choose `language`."""

    tab.go("/login")
    tab.page.locator("input[name=email]").fill(people[role][1])
    tab.page.locator("input[name=password]").fill(PASSWORD)
    tab.page.locator("main form button[type=submit]").click()
    tab.page.wait_for_url(tab.base_url + "/")
    tab.page.locator(f".language-switcher button[value={language}]").click()
    tab.page.wait_for_selector(f"html[lang={language}]")
