"""The learner journey on the first shipped course, by clicking, with and without JS.

Also: a failed quiz with feedback and a retry, the certificate and its public page
(issues 4, 5 and 6).
"""

import re

import pytest

from learnapp.content.loader import load_catalogue
from tests.browser.conftest import REPOSITORY, create_account, log_in

pytestmark = pytest.mark.browser
COURSE = "origins-of-a-learning-alliance"


@pytest.fixture(scope="module")
def course():
    catalogue = load_catalogue(REPOSITORY / "courses", REPOSITORY / "quizzes")
    return catalogue.courses[COURSE]


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def answer_quiz(page, quiz, *, right: bool) -> None:
    """Answer every question shown, rightly or wrongly, as a learner would by clicking."""
    for fieldset in page.locator("fieldset.question").all():
        legend = fieldset.locator("legend").inner_text().split(". ", 1)[1].strip()
        question = next(q for q in quiz.questions if q.text == legend)
        if question.kind == "short":
            accepted = question.accepted[0]
            text = accepted.text if accepted.text else f"{accepted.number:g}"
            fieldset.get_by_label("Your answer").fill(text if right else "no idea")
            continue
        chosen = [o for o in question.options if o.correct == right]
        if question.kind == "single":
            chosen = chosen[:1]
        for option in chosen:
            fieldset.get_by_label(plain(option.html), exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_load_state()


def test_learner_takes_the_course_to_a_certificate(visit_any_js, course, live_server):
    visit, page = visit_any_js, visit_any_js.page
    log_in(visit, create_account(live_server, name="Leïla Ben Salah"))

    visit.go("/")
    visit.check_accessible()
    page.get_by_role("link", name=course.title).click()
    visit.check_accessible()
    page.get_by_role("button", name="Enrol in this course").click()
    assert page.locator("h1").inner_text() == course.lessons[0].title
    visit.check_accessible()
    assert page.get_by_text("Progress: 0%").is_visible()

    check_quiz, final_quiz = course.quizzes
    for step in course.items():
        if step is check_quiz:
            # Fail first: feedback, no answers revealed, then retry and pass.
            assert page.locator("h1").inner_text() == check_quiz.title
            visit.check_accessible()
            answer_quiz(page, check_quiz, right=False)
            assert page.get_by_text("Not passed yet").is_visible()
            assert page.locator(".feedback").count() > 0
            assert page.get_by_text("correct answer", exact=True).count() == 0
            visit.check_accessible()
            page.get_by_role("link", name="Try again").click()
            answer_quiz(page, check_quiz, right=True)
            assert page.get_by_text("Passed").first.is_visible()
            page.get_by_role("link", name=re.compile("^Continue")).click()
        elif step is final_quiz:
            answer_quiz(page, final_quiz, right=True)
            assert page.get_by_text("Passed").first.is_visible()
            page.get_by_role("link", name=re.compile("Course complete")).click()
        else:
            assert page.locator("h1").inner_text() == step.title
            page.get_by_role("button", name="Mark complete and continue").click()
            page.wait_for_load_state()

    assert page.get_by_text(re.compile(r"^You completed this course on ")).is_visible()
    visit.go("/me")
    visit.check_accessible()
    code = page.locator("td.code").first.inner_text()
    assert re.fullmatch(r"LA(-[0-9A-Z]{4}){5}", code)
    pdf = visit.context.request.get(f"{visit.base_url}/certificates/{code}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    page.get_by_role("link", name=f"Verification page {code}").click()
    assert page.get_by_text("Valid certificate").is_visible()
    assert page.get_by_text("Leïla Ben Salah").is_visible()
    visit.check_accessible()


def test_resume_from_my_learning(visit, course, live_server):
    page = visit.page
    log_in(visit, create_account(live_server))
    visit.go(f"/courses/{COURSE}")
    page.get_by_role("button", name="Enrol in this course").click()
    visit.go(f"/courses/{COURSE}/{course.lessons[1].slug}")
    visit.go("/me")
    page.get_by_role("link", name=re.compile("^Continue")).click()
    assert page.locator("h1").inner_text() == course.lessons[1].title


def test_hostile_lesson_fires_no_dialog(visit, live_server):
    page = visit.page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(visit, create_account(live_server, role="trainer"))
    visit.go("/courses/draft-notes/hostile")
    page.get_by_text("click me").click()  # was a javascript: link; now plain text
    page.locator("main img").first.hover()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("script").count() == 0
