"""The completion rules (SPEC §3), pure, and the one status rule on both of its paths."""

from __future__ import annotations

import pytest

from learnapp.admin.reports import enrolment_rows
from learnapp.catalogue import catalogue
from learnapp.content.model import Course, Lesson, Quiz
from learnapp.extensions import db
from learnapp.models import Enrolment, User
from learnapp.progress import service
from learnapp.progress.rules import CourseProgress, Status, status_of
from tests.conftest import COURSE, finish_course


def lesson(slug: str, position: int) -> Lesson:
    return Lesson(slug, f"0{position}-{slug}.md", position, slug.title(), "", "")


def quiz(slug: str, after: str | None) -> Quiz:
    return Quiz(
        slug, f"01-{slug}.md", slug.title(), after, 70, None, False, None, "after_pass", (), ""
    )


def course(*, sequential: bool = False) -> Course:
    return Course(
        slug="c",
        dirname="01-c",
        path="/nowhere",
        title="C",
        summary="",
        intro_html="",
        language="en",
        status="published",
        estimated_minutes=None,
        pass_mark=70,
        certificate=True,
        certificate_valid_months=None,
        sequential=sequential,
        authors=(),
        format=1,
        lessons=(lesson("one", 1), lesson("two", 2), lesson("three", 3)),
        quizzes=(quiz("check", "one"), quiz("final", None)),
        version="v1",
    )


def progress(lessons=(), quizzes=(), *, sequential=False) -> CourseProgress:
    return CourseProgress(course(sequential=sequential), frozenset(lessons), frozenset(quizzes))


def slugs(steps) -> list[str]:
    return [step.slug for step in steps]


def test_steps_are_lessons_with_their_quizzes_after_them_and_the_final_quiz_first_if_unplaced():
    # "final" has no lesson called None, so it is placed before the lessons.
    assert slugs(progress().steps) == ["final", "one", "check", "two", "three"]


def test_percent_counts_lessons_and_passed_quizzes_and_rounds_down():
    assert progress().percent == 0
    assert progress(["one"]).percent == 20
    assert progress(["one", "two"], ["check"]).percent == 60
    assert progress(["one", "two", "three"], ["check", "final"]).percent == 100


def test_slugs_no_longer_in_the_course_do_not_count():
    assert progress(["gone", "one"], ["old-quiz"]).done_count == 1


def test_complete_needs_every_step():
    assert not progress(["one", "two", "three"], ["check"]).complete
    assert progress(["one", "two", "three"], ["check", "final"]).complete


def test_missing_lists_what_is_left_in_course_order():
    assert slugs(progress(["two"], ["final"]).missing) == ["one", "check", "three"]


def test_a_free_course_opens_every_step():
    current = progress()
    assert all(current.is_open(step) for step in current.steps)


def test_a_sequential_course_opens_a_step_once_every_step_before_it_is_done():
    current = progress(["one"], ["final"], sequential=True)
    steps = {step.slug: step for step in current.steps}
    assert current.is_open(steps["check"])
    assert not current.is_open(steps["two"])
    assert current.blocker(steps["two"]).slug == "check"
    assert current.blocker(steps["check"]) is None


def test_next_step_after_a_step_wraps_round_to_what_is_missing():
    current = progress(["one", "three"], ["final"])
    steps = {step.slug: step for step in current.steps}
    assert current.next_step().slug == "check"
    assert current.next_step(after=steps["three"]).slug == "check"
    assert progress(["one", "two", "three"], ["check", "final"]).next_step() is None


@pytest.mark.parametrize(
    ("completed", "done", "expected"),
    [
        (False, 0, Status.NOT_STARTED),
        (False, 2, Status.IN_PROGRESS),
        (True, 5, Status.COMPLETED),
        (True, 3, Status.COMPLETED),  # the course grew after completion: still completed
        (True, 0, Status.COMPLETED),
    ],
)
def test_status_of(completed, done, expected):
    assert status_of(completed, done) is expected


@pytest.fixture
def config_overrides(tmp_path):
    import shutil

    from tests.conftest import SITE_COURSES, SITE_QUIZZES

    shutil.copytree(SITE_COURSES, tmp_path / "courses")
    shutil.copytree(SITE_QUIZZES, tmp_path / "quizzes")
    return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}


def test_status_in_python_and_in_sql_agree(make_user, auth, client, config_overrides):
    """The learner pages (Python) and the admin reports (SQL) give every learner one status."""

    def as_learner(name):
        user = make_user(name=name)
        auth.login(user.email)
        return user

    as_learner("Only Enrolled")
    client.submit(f"{COURSE}/enrol")
    auth.logout()
    as_learner("Half Way")
    client.submit(f"{COURSE}/enrol")
    client.submit(f"{COURSE}/first-steps/complete")
    auth.logout()
    as_learner("Finished Before It Grew")
    finish_course(client)
    auth.logout()
    courses_dir = config_overrides["COURSES_DIR"]
    with open(f"{courses_dir}/01-basics/03-added-later.md", "w") as added:
        added.write("# Added later\n\nA new lesson.\n")

    courses = catalogue().courses
    rows = db.session.execute(enrolment_rows(courses)).mappings()
    in_sql = {row["user_id"]: row["status"] for row in rows}
    in_python = {}
    for enrolled in db.session.scalars(db.select(Enrolment)):
        user = db.session.get(User, enrolled.user_id)
        current = service.progress(user, courses[enrolled.course_slug])
        in_python[user.id] = status_of(enrolled.completed_at is not None, current.done_count)
    assert in_sql == in_python
    assert sorted(in_python.values()) == sorted(
        [Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED]
    )


def test_progress_percent_in_python_and_in_sql_agree(make_user, auth, client, config_overrides):
    """The learner's page (CourseProgress.percent) and the learner list and CSV (SQL) give
    the same percent, also after the course grew and for steps since removed."""
    courses_dir = config_overrides["COURSES_DIR"]
    learners = {}
    for name, steps in (("None Yet", []), ("One Lesson", ["first-steps"]), ("All", None)):
        user = make_user(name=name)
        auth.login(user.email)
        client.submit(f"{COURSE}/enrol")
        if steps is None:
            finish_course(client)
        for step in steps or []:
            client.submit(f"{COURSE}/{step}/complete")
        auth.logout()
        learners[name] = user.id
    with open(f"{courses_dir}/01-basics/03-added-later.md", "w") as added:
        added.write("# Added later\n\nA new lesson.\n")

    courses = catalogue().courses
    rows = db.session.execute(enrolment_rows(courses)).mappings()
    in_sql = {row["user_id"]: row["progress_percent"] for row in rows}
    in_python = {}
    for enrolled in db.session.scalars(db.select(Enrolment)):
        user = db.session.get(User, enrolled.user_id)
        in_python[user.id] = service.progress(user, courses[enrolled.course_slug]).percent
    assert in_sql == in_python
    assert len(set(in_python.values())) == 3  # 0, a fraction and nearly all: all three differ
