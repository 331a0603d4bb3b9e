"""The dashboard and the completions CSV agree, with and without filters (issue 7)."""

import csv
import datetime as dt
import io
import re

import pytest

from learnapp.extensions import db
from learnapp.models import Enrolment, Organisation
from tests.admin.conftest import LESSONS, attempt, do_lessons, enrol, finish

JAN = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
LAST_YEAR = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
HEADER = [
    "email",
    "name",
    "organisation",
    "course",
    "enrolled_at",
    "progress_percent",
    "best_quiz_score",
    "completed_at",
    "certificate_code",
    "cohort",  # the cohort, its due date and the status against it (issue 16)
    "due_at",
    "status",
]


def set_dates(user, enrolled: dt.datetime, days_to_complete: float | None = None) -> None:
    row = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))
    row.enrolled_at = enrolled
    if days_to_complete is not None:
        row.completed_at = enrolled + dt.timedelta(days=days_to_complete)
    db.session.commit()


@pytest.fixture
def population(make_user):
    """Five learners in two organisations and none, at every stage of the course."""
    people = {
        "done_health": make_user(name="Hana Health", organisation="Ministry of Health"),
        "busy_health": make_user(name="Bilal Health", organisation="Ministry of Health"),
        "idle_uni": make_user(name="Ines Uni", organisation="Birzeit University"),
        "done_uni": make_user(name="Dana Uni", organisation="Birzeit University"),
        "quiz_only": make_user(name="Quentin Nobody"),
    }
    finish(people["done_health"])
    set_dates(people["done_health"], JAN, days_to_complete=4)
    enrol(people["busy_health"], JAN)
    do_lessons(people["busy_health"], LESSONS[0])
    attempt(people["busy_health"], city="Paris", communities="17")  # 0 %
    enrol(people["idle_uni"], JAN + dt.timedelta(days=1))
    finish(people["done_uni"])
    set_dates(people["done_uni"], LAST_YEAR, days_to_complete=10)
    enrol(people["quiz_only"], JAN + dt.timedelta(days=2))
    attempt(people["quiz_only"], city="Geneva", communities="seventeen")  # 50 %: passed
    return people


def organisation_id(name: str) -> int:
    return db.session.scalar(db.select(Organisation.id).where(Organisation.name == name))


def figures(page: str) -> dict[str, int]:
    """The linked numbers of the fixture course's row (a zero is shown without a link)."""
    numbers = {}
    for status in ("enrolled", "not_started", "in_progress", "completed", "certified"):
        found = re.search(rf'course=basics&amp;status={status}[^"]*">([\d,]+)<', page)
        numbers[status] = int(found.group(1)) if found else 0
    return numbers


def read_csv(client, query: str = "") -> list[dict]:
    response = client.get(f"/admin/reports/completions.csv{query}", buffered=True)
    assert response.status_code == 200
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def csv_figures(rows: list[dict]) -> dict[str, int]:
    return {
        "enrolled": len(rows),
        "completed": sum(1 for r in rows if r["completed_at"]),
        "certified": sum(1 for r in rows if r["certificate_code"]),
    }


def test_dashboard_counts_every_stage(client, admin, population):
    page = client.get("/admin/").get_data(as_text=True)
    assert figures(page) == {
        "enrolled": 5,
        "not_started": 1,
        "in_progress": 2,
        "completed": 2,
        "certified": 2,
    }
    assert "Basics of Cooperation" in page
    # Best scores 100, 0, 100 and 50: the mean is 62.5; median of 4 and 10 days is 7.
    assert "62.5%" in page
    assert "7.0" in page


def test_totals_per_organisation(client, admin, population):
    page = client.get("/admin/").get_data(as_text=True)
    section = page[page.index('id="by-organisation"') :]
    assert section.index("Birzeit University") < section.index("Ministry of Health")
    assert "No organisation" in section
    health = section[section.index("Ministry of Health") :]
    # Learners 2, enrolments 2, in progress 1, completed 1, certified 1, average 50.0 %
    cells = re.findall(r'<td class="num">(.*?)</td>', health, re.S)[:6]
    text = [re.sub(r"<[^>]+>", "", cell).split()[0] for cell in cells]
    assert text == ["2", "2", "1", "1", "1", "50.0%"]


def test_organisation_filter_changes_screen_and_csv_alike(client, admin, population):
    health = organisation_id("Ministry of Health")
    page = client.get(f"/admin/?organisation={health}").get_data(as_text=True)
    on_screen = figures(page)
    assert on_screen["enrolled"] == 2 and on_screen["completed"] == 1
    rows = read_csv(client, f"?organisation={health}")
    assert {r["organisation"] for r in rows} == {"Ministry of Health"}
    assert csv_figures(rows) == {k: on_screen[k] for k in ("enrolled", "completed", "certified")}


def test_date_filter_changes_screen_and_csv_alike(client, admin, population):
    query = "?enrolled_from=2026-01-01&enrolled_to=2026-01-11"
    on_screen = figures(client.get(f"/admin/{query}").get_data(as_text=True))
    assert on_screen == {
        "enrolled": 3,  # not Dana (2025) nor Quentin (12 January)
        "not_started": 1,
        "in_progress": 1,
        "completed": 1,
        "certified": 1,
    }
    rows = read_csv(client, query)
    assert csv_figures(rows) == {k: on_screen[k] for k in ("enrolled", "completed", "certified")}
    assert {r["name"] for r in rows} == {"Hana Health", "Bilal Health", "Ines Uni"}


def test_no_organisation_filter(client, admin, population):
    rows = read_csv(client, "?organisation=none")
    assert [r["name"] for r in rows] == ["Quentin Nobody"]
    assert (
        figures(client.get("/admin/?organisation=none").get_data(as_text=True))["in_progress"] == 1
    )


def test_numbers_link_to_exactly_the_learners_behind_them(client, admin, population):
    health = organisation_id("Ministry of Health")
    page = client.get(f"/admin/?organisation={health}").get_data(as_text=True)
    link = re.search(r'href="(/admin/learners\?[^"]*status=completed[^"]*)"', page).group(1)
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "1 account found." in listing
    assert "Hana Health" in listing and "Bilal Health" not in listing
    link = re.search(r'href="(/admin/learners\?[^"]*status=in_progress[^"]*)"', page).group(1)
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Bilal Health" in listing and "Hana Health" not in listing


def test_csv_rows_hold_progress_score_and_certificate(client, admin, population):
    rows = {r["name"]: r for r in read_csv(client)}
    assert len(rows) == 5
    done = rows["Hana Health"]
    assert done["course"] == "Basics of Cooperation"
    assert done["progress_percent"] == "100" and done["best_quiz_score"] == "100"
    assert done["enrolled_at"] == "2026-01-10T09:00:00Z"
    assert done["completed_at"] == "2026-01-14T09:00:00Z"
    assert done["certificate_code"].startswith("LA-")
    busy = rows["Bilal Health"]
    assert busy["progress_percent"] == "33" and busy["best_quiz_score"] == "0"
    assert busy["completed_at"] == "" and busy["certificate_code"] == ""
    assert rows["Ines Uni"]["best_quiz_score"] == "" and rows["Ines Uni"]["progress_percent"] == "0"
    assert rows["Quentin Nobody"]["progress_percent"] == "33"
    assert rows["Quentin Nobody"]["organisation"] == ""


def test_csv_is_streamed_with_a_safe_file_name(client, admin, population):
    response = client.get("/admin/reports/completions.csv?organisation=none")
    assert response.is_streamed  # read after the request has ended, like a real server
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="completions-\d{4}-\d\d-\d\d-organisation-none\.csv"', disposition
    )
    assert "Quentin Nobody" in response.get_data(as_text=True)
    unread = client.get("/admin/reports/attempts.csv")  # a download abandoned half-way
    unread.close()


def test_csv_view_streams_a_generator(app, admin, population):
    from learnapp.admin.views.reports import completions_csv

    with app.test_request_context("/admin/reports/completions.csv"):
        from flask_login import login_user

        login_user(admin)
        response = completions_csv()
        assert response.is_streamed
        chunks = list(response.response)
    assert chunks[0].startswith("\ufeffemail,name,organisation,course,")


def test_formula_cells_are_neutralised(client, admin, make_user):
    evil = make_user(name='=HYPERLINK("http://x")', organisation="+Org")
    enrol(evil)
    other = make_user(name="@sum(1+1)", email="minus@example.org")
    enrol(other)
    rows = {r["email"]: r for r in read_csv(client)}
    assert rows[evil.email]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[evil.email]["organisation"] == "'+Org"
    assert rows[other.email]["name"] == "'@sum(1+1)"
    raw = client.get("/admin/reports/completions.csv", buffered=True).get_data().decode()
    assert '\n"=HYPERLINK' not in raw and ',"=HYPERLINK' not in raw and ",=" not in raw


def test_csv_is_utf8_for_arabic_names(client, admin, make_user):
    enrol(make_user(name="نور الهدى", organisation="وزارة التربية"))
    rows = read_csv(client)
    assert rows[0]["name"] == "نور الهدى" and rows[0]["organisation"] == "وزارة التربية"


def test_quiz_attempts_csv(client, admin, population):
    response = client.get("/admin/reports/attempts.csv", buffered=True)
    text = response.get_data().decode()
    assert text.startswith("\ufeffemail,name,organisation,course,quiz,attempt,submitted_at,")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == 4
    busy = next(r for r in rows if r["name"] == "Bilal Health")
    assert busy["quiz"] == "Check" and busy["attempt"] == "1" and busy["passed"] == "no"
    health = organisation_id("Ministry of Health")
    filtered = client.get(f"/admin/reports/attempts.csv?organisation={health}", buffered=True)
    assert len(list(csv.DictReader(io.StringIO(filtered.get_data().decode()[1:])))) == 2


def test_an_invalid_filter_is_ignored_with_a_message(client, admin, population):
    page = client.get("/admin/?enrolled_from=2026-02-01&enrolled_to=2026-01-01")
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "The end date is before the start date." in text
    assert figures(text)["enrolled"] == 5


def test_a_course_nobody_took_shows_zeros(client, admin):
    page = client.get("/admin/").get_data(as_text=True)
    assert figures(page) == dict.fromkeys(figures(page), 0)
    assert "Nobody is enrolled yet." in page


def test_exports_are_audited(client, admin, population):
    read_csv(client, "?organisation=none")
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Completions CSV downloaded" in log and "filters: organisation=none" in log


class TestEmptyCatalogue:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        (tmp_path / "courses").mkdir()
        (tmp_path / "quizzes").mkdir()
        return {"COURSES_DIR": str(tmp_path / "courses"), "QUIZZES_DIR": str(tmp_path / "quizzes")}

    def test_pages_work_with_no_course_at_all(self, client, admin, make_user):
        make_user(name="Early Bird")
        assert "No course is published yet." in client.get("/admin/").get_data(as_text=True)
        assert "Early Bird" in client.get("/admin/learners").get_data(as_text=True)
        assert read_csv(client) == []
        assert client.get("/admin/quizzes").status_code == 200


def both_forms(courses, filters, **options) -> list[list[tuple]]:
    """The rows of enrolment_rows' grouped form and of its correlated form, sorted."""
    from learnapp.admin.reports import enrolment_rows

    return [
        sorted(map(tuple, db.session.execute(query).all()))
        for query in (
            enrolment_rows(courses, filters, grouped=grouped, **options)
            for grouped in (True, False)
        )
    ]


def test_grouped_and_correlated_progress_agree(population, make_user):
    """The dashboard's rows, grouped once (PostgreSQL's way) or per row (SQLite's), are the
    same rows, with each filter and in a partner manager's scope (issue 16)."""
    from learnapp.admin.reports import NO_ORGANISATION, Filters, enrolment_rows
    from learnapp.catalogue import catalogue
    from learnapp.models import LessonCompletion

    retired = make_user(name="Rita Retired", organisation="Ministry of Health")
    enrol(retired, JAN)
    db.session.add(
        LessonCompletion(
            user_id=retired.id, course_slug="basics", lesson_slug="gone", course_version="old"
        )
    )
    db.session.commit()
    courses = catalogue().courses
    health = db.session.scalar(db.select(Organisation.id).where(Organisation.name.like("%Health")))
    cases = [
        Filters(),
        Filters(scope=frozenset({health})),
        Filters(organisation=NO_ORGANISATION),
        Filters(organisation=health, status="in_progress"),
        Filters(status="not_started"),
        Filters(course="basics", status="completed"),
    ]
    for filters in cases:
        grouped, correlated = both_forms(courses, filters, detail=False)
        assert grouped == correlated, filters
    every = sorted(
        db.session.execute(enrolment_rows(courses, Filters(), detail=False, grouped=True)).all()
    )
    assert {row.status for row in every} == {"completed", "in_progress", "not_started"}
    assert {row.best_quiz_score for row in every} >= {0, 50, None}


def test_grouped_and_correlated_csv_rows_agree(population, make_user):
    """The CSV's rows with every column (steps done, progress, the cohort each enrolment is
    reported under and its status against the due date), grouped once (PostgreSQL's way)
    or per row (SQLite's), are the same rows, with each filter and in a partner manager's
    scope (issue 18)."""
    from learnapp.admin.reports import NO_ORGANISATION, Filters, enrolment_rows
    from learnapp.catalogue import catalogue
    from learnapp.cohorts import service as cohorts
    from learnapp.models import LessonCompletion

    courses = catalogue().courses
    retired = make_user(name="Rita Retired", organisation="Ministry of Health")
    enrol(retired, JAN)
    db.session.add(
        LessonCompletion(
            user_id=retired.id, course_slug="basics", lesson_slug="gone", course_version="old"
        )
    )
    today = dt.date(2026, 3, 1)
    health = organisation_id("Ministry of Health")
    # Bilal is in three cohorts: reported under the one due soonest, else the one filtered
    # on; two due the same day are told apart by id, one with no due date comes last.
    late = cohorts.create("Late", health, {"basics": today - dt.timedelta(days=1)}, None)
    same_day = cohorts.create("Same day", None, {"basics": today - dt.timedelta(days=1)}, None)
    open_ended = cohorts.create("Open", None, {"basics": None}, None)
    later = cohorts.create("Later", None, {"basics": today + dt.timedelta(days=30)}, None)
    for cohort, people in (
        (late, ("busy_health",)),
        (same_day, ("busy_health", "idle_uni")),
        (open_ended, ("busy_health", "quiz_only", "done_uni")),
        (later, ("done_health", "quiz_only")),
    ):
        for name in people:
            cohorts.join(cohort, population[name], courses)
    cohorts.join(open_ended, retired, courses)
    db.session.commit()
    cases = [
        Filters(),
        Filters(scope=frozenset({health})),
        Filters(organisation=NO_ORGANISATION),
        Filters(organisation=health, status="in_progress"),
        Filters(status="not_started"),
        Filters(course="basics", status="completed"),
        Filters(cohort=open_ended.id),
        Filters(cohort=same_day.id, scope=frozenset({health})),
        Filters(cohort=later.id, status="in_progress"),
    ]
    for filters in cases:
        grouped, correlated = both_forms(courses, filters, today=today)
        assert grouped == correlated, filters
    every = {
        row.name: row
        for row in db.session.execute(enrolment_rows(courses, Filters(), today=today, grouped=True))
    }
    assert every["Bilal Health"].cohort == "Late" and every["Bilal Health"].done_steps == 1
    assert every["Quentin Nobody"].cohort == "Later"
    assert every["Dana Uni"].cohort == "Open" and every["Dana Uni"].cohort_status == "completed"
    assert every["Rita Retired"].done_steps == 0 and every["Ines Uni"].cohort == "Same day"
    assert every["Hana Health"].progress_percent == 100
    assert {row.cohort_status for row in every.values()} >= {"overdue", "completed", "not started"}
