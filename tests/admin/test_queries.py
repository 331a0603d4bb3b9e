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


def test_learner_list_first_page_reads_the_name_index(client, admin, make_user):
    """Its default order comes from ix_user_name_lower, not a sort of every account: at
    100,000 learners 35 ms -> under 1 ms on PostgreSQL (bench/scale.py, issue 18)."""
    add_learners(make_user, 3, 0)
    seen = []

    def keep(conn, cursor, statement, parameters, *args):
        if "ORDER BY lower" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get("/admin/learners").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    ((statement, parameters),) = seen
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            # With a few rows the planner would rather sort them than read an index.
            connection.exec_driver_sql("SET enable_sort = off")
            explain = "EXPLAIN (COSTS OFF) "
        else:
            explain = "EXPLAIN QUERY PLAN "
        rows = connection.exec_driver_sql(explain + statement, parameters).all()
    plan = " ".join(str(row[-1]) for row in rows)
    assert "ix_user_name_lower" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort" not in plan, plan


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
    if db.engine.dialect.name == "postgresql":
        # Grouped once and joined in (issue 18): no subquery runs per row.
        assert correlated_subqueries(statement, parameters) == 0
    else:
        # Status (an EXISTS on lessons, one on passed quizzes), best score, lessons done,
        # quizzes passed and the reporting cohort: six, not one per column naming them (12).
        assert correlated_subqueries(statement, parameters) <= 6
