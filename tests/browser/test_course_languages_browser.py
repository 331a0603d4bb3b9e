"""Course 01 in Arabic in Chromium: right to left, tables and lists included, axe-clean;
the language switcher works with and without JavaScript (issue 17)."""

import pytest

from tests.browser.conftest import create_account, log_in

pytestmark = pytest.mark.browser
COURSE = "/courses/origins-of-a-learning-alliance"


def direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def test_an_arabic_lesson_and_quiz_read_right_to_left(visit_any_js, live_server):
    visit, page = visit_any_js, visit_any_js.page
    log_in(visit, create_account(live_server, name="ليلى حداد", language="ar"))
    visit.go(COURSE)
    page.get_by_role("button", name="التسجيل في هذه الدورة").click()

    visit.go(f"{COURSE}/the-gap-in-humanitarian-provision")
    lesson = page.locator("article div[lang=ar]")
    assert page.locator("h1").inner_text() == "الثغرة في العمل الإنساني"
    assert direction(lesson) == "rtl"
    # The table's first column is on the right, the list's bullets on the right too.
    table = lesson.locator("table").first
    assert direction(table) == "rtl"
    first, second = (
        table.locator("th").nth(0).bounding_box(),
        table.locator("th").nth(1).bounding_box(),
    )
    assert first["x"] > second["x"]
    item = lesson.locator("ul li").first
    box, list_box = item.bounding_box(), lesson.locator("ul").first.bounding_box()
    assert list_box["x"] + list_box["width"] - (box["x"] + box["width"]) > 10  # room for ●
    visit.check_accessible()

    visit.go(f"{COURSE}/quizzes/check-your-understanding")
    form = page.locator("form[lang=ar]")
    assert direction(form) == "rtl"
    assert page.locator("h1").inner_text() == "تحقّق من فهمك"
    legend, radio = form.locator("legend").first, form.locator("input[type=radio]").first
    assert radio.bounding_box()["x"] > legend.bounding_box()["x"]  # the choices start right
    visit.check_accessible()


def test_the_switcher_changes_the_lessons_language_without_javascript(visit_any_js, live_server):
    visit, page = visit_any_js, visit_any_js.page
    log_in(visit, create_account(live_server, language="ar"))
    visit.go(COURSE)
    page.get_by_role("button", name="التسجيل في هذه الدورة").click()
    visit.go(f"{COURSE}/the-bmu-as-a-platform")
    assert page.locator("h1").inner_text() == "وحدة BMU: منصّة وشركة ناشئة"
    page.locator(".also-in").get_by_role("link", name="Français").click()
    assert page.locator("h1").inner_text() == "La BMU : une plateforme et une start-up"
    assert direction(page.locator("article div[lang=fr]")) == "ltr"
    # The choice holds for the next lesson of the course.
    page.get_by_role("link", name="L'Academic Cooperation Project Palestine").first.click()
    assert page.locator("h1").inner_text() == "L'Academic Cooperation Project Palestine"
    visit.check_accessible()
