"""No N+1: the admin pages issue as many SQL statements for 25 learners as for 2 (issue 7)."""

from contextlib import contextmanager

from sqlalchemy import event

from learnapp.extensions import db
from tests.admin.conftest import LESSONS, attempt, do_lessons, enrol, finish

PAGES = (
    "/admin/",
    "/admin/?organisation=none",
    "/admin/learners",
    "/admin/learners?sort=progress&dir=desc",
    "/admin/learners?course=basics&status=in_progress",
    "/admin/quizzes/basics/check",
    "/admin/reports/completions.csv",
    "/admin/reports/attempts.csv",
)


@contextmanager
def counted():
    statements: list[tuple[str, object]] = []  # (SQL, its parameters)

    def count(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_per_page(client) -> dict[str, int]:
    found = {}
    for url in PAGES:
        with counted() as statements:
            assert client.get(url, buffered=True).status_code == 200
        found[url] = len(statements)
    return found


def add_learners(make_user, count: int, start: int) -> None:
    for number in range(start, start + count):
        user = make_user(name=f"Learner {number:03d}", organisation=f"Org {number % 3}")
        enrol(user)
        do_lessons(user, LESSONS[0])
        attempt(user, city="Paris" if number % 2 else "Geneva")


def test_statement_count_does_not_grow_with_learners(client, admin, make_user):
    add_learners(make_user, 2, 0)
    finish(make_user(name="Finisher"))
    few = statements_per_page(client)
    add_learners(make_user, 23, 2)
    many = statements_per_page(client)
    assert many == few


def correlated_subqueries(statement: str, parameters) -> int:
    """How many subqueries the database's plan for a statement runs per row (or hashes)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
        return sum(line.strip().startswith("SubPlan") for line in plan)
    plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return sum("CORRELATED" in row[-1] for row in plan)


def test_completions_csv_runs_each_figure_subquery_once(client, admin, make_user):
    add_learners(make_user, 2, 0)
    with counted() as statements:
        assert client.get("/admin/reports/completions.csv", buffered=True).status_code == 200
    statement, parameters = next((sql, args) for sql, args in statements if "enrolment" in sql)
    # Status (an EXISTS on lessons, one on passed quizzes), best score, lessons done,
    # quizzes passed and the reporting cohort: six, not one per column naming them (12).
    assert correlated_subqueries(statement, parameters) <= 6
