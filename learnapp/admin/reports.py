"""Completion figures for the dashboard, the learner list and the CSV, from one query.

Every number the administrator sees comes from `enrolment_rows()`: one row per
(learner, course) with progress computed in SQL from counts, as SPEC §3 defines it —
completed lessons that still exist in the course plus passed quizzes that still exist,
over the steps the course has now. The dashboard aggregates those rows with GROUP BY,
the learner list pages through them and the CSV streams them, so the screen and the
export cannot disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from learnapp.cohorts.rules import CohortStatus
from learnapp.content.model import Course
from learnapp.dbutil import paging
from learnapp.extensions import db
from learnapp.models import (
    Certificate,
    Cohort,
    CohortCourse,
    CohortMember,
    Enrolment,
    LessonCompletion,
    Organisation,
    QuizAttempt,
    User,
    now_utc,
)
from learnapp.progress.rules import Status

NO_ORGANISATION = "none"
STATUSES = ("enrolled", "not_started", "in_progress", "completed", "certified")


# The summed fields of Figures, as the aggregate query names its columns.
COUNTED = (
    "enrolled",
    "not_started",
    "in_progress",
    "completed",
    "certified",
    "best_sum",
    "best_count",
)


@dataclass(frozen=True)
class Filters:
    """What the dashboard, the learner list and the CSV are narrowed to."""

    organisation: int | str | None = None  # an id, NO_ORGANISATION, or None for all
    enrolled_from: dt.date | None = None
    enrolled_to: dt.date | None = None  # inclusive
    course: str | None = None
    status: str | None = None
    cohort: int | None = None  # a cohort's id: its members, in its courses
    # The organisations the viewer may see (a partner manager's), None for all: applied
    # by `_in_scope`, the one place every report query is narrowed to it.
    scope: frozenset[int] | None = None

    @property
    def active(self) -> bool:
        return any(
            value is not None
            for value in (self.organisation, self.enrolled_from, self.enrolled_to, self.cohort)
        )

    def without(self, *names: str) -> Filters:
        """The same filters with some of them cleared."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(dict.fromkeys(names))
        return Filters(**values)

    def as_args(self) -> dict[str, str]:
        """Query-string arguments that reproduce these filters."""
        args = {
            "organisation": str(self.organisation) if self.organisation is not None else None,
            "enrolled_from": self.enrolled_from.isoformat() if self.enrolled_from else None,
            "enrolled_to": self.enrolled_to.isoformat() if self.enrolled_to else None,
            "course": self.course,
            "status": self.status,
            "cohort": str(self.cohort) if self.cohort is not None else None,
        }
        return {key: value for key, value in args.items() if value}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _per_course(
    course_column, slug_column, slugs: Mapping[str, tuple[str, ...]]
) -> ColumnElement[bool]:
    """(course = c AND slug IN (c's current slugs)) OR …: only steps that exist now count."""
    terms = [
        and_(course_column == course, slug_column.in_(step_slugs))
        for course, step_slugs in slugs.items()
        if step_slugs
    ]
    return or_(*terms) if terms else false()


def status_case(completed: ColumnElement[bool], started: ColumnElement[bool]):
    """`progress.rules.status_of` in SQL (a test runs both on the same data)."""
    return case(
        (completed, Status.COMPLETED.value),
        (started, Status.IN_PROGRESS.value),
        else_=Status.NOT_STARTED.value,
    )


def cohort_status_case(due_on, today: dt.date, status):
    """`cohorts.rules.cohort_status` in SQL, from a due date column and a `status_case`
    column (NULL: not enrolled yet); a test runs both on the same data.

    `status` is named once, as the operand of a simple CASE, so the database evaluates its
    subqueries once per row rather than once per comparison.
    """
    overdue = and_(due_on.is_not(None), due_on < today)

    def unless_overdue(value: str):
        return case((overdue, CohortStatus.OVERDUE.value), else_=value)

    return case(
        {
            Status.COMPLETED.value: CohortStatus.COMPLETED.value,
            Status.IN_PROGRESS.value: unless_overdue(CohortStatus.IN_PROGRESS.value),
        },
        value=status,
        else_=unless_overdue(CohortStatus.NOT_STARTED.value),
    )


def today_utc() -> dt.date:
    """The day the due dates are measured against (UTC, as every date here)."""
    return now_utc().date()


def _cohort_of_enrolment(cohort: int | None):
    """The cohort an enrolment is reported under: the one filtered on, else the learner's
    cohort with this course due soonest (one with no due date last, then the oldest)."""
    query = (
        select(CohortCourse.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == CohortCourse.cohort_id)
        .where(
            CohortMember.user_id == Enrolment.user_id,
            CohortCourse.course_slug == Enrolment.course_slug,
        )
        .order_by(CohortCourse.due_on.is_(None), CohortCourse.due_on, CohortCourse.cohort_id)
        .limit(1)
        .correlate(Enrolment)
    )
    if cohort is not None:
        query = query.where(CohortCourse.cohort_id == cohort)
    return query.scalar_subquery()


def _step_slugs(courses: Mapping[str, Course]):
    """Each course's current lesson slugs and quiz slugs."""
    lesson_slugs = {slug: tuple(ls.slug for ls in c.lessons) for slug, c in courses.items()}
    quiz_slugs = {slug: tuple(q.slug for q in c.quizzes) for slug, c in courses.items()}
    return lesson_slugs, quiz_slugs


def _done_steps(courses: Mapping[str, Course]):
    """The conditions that pick an enrolment's completed lessons and its quiz attempts at
    steps that still exist, and whether any step is done (`started`), all on Enrolment."""
    lesson_slugs, quiz_slugs = _step_slugs(courses)
    mine_lc = (
        LessonCompletion.user_id == Enrolment.user_id,
        LessonCompletion.course_slug == Enrolment.course_slug,
        _per_course(LessonCompletion.course_slug, LessonCompletion.lesson_slug, lesson_slugs),
    )
    mine_qa = (
        QuizAttempt.user_id == Enrolment.user_id,
        QuizAttempt.course_slug == Enrolment.course_slug,
        _per_course(QuizAttempt.course_slug, QuizAttempt.quiz_slug, quiz_slugs),
    )
    started = or_(exists().where(*mine_lc), exists().where(*mine_qa, QuizAttempt.passed.is_(True)))
    return mine_lc, mine_qa, started


def _mean_of_best(best, tried):
    """The mean of the best score on each quiz tried, rounded half up, in integer arithmetic
    so SQLite and PostgreSQL give the same number (NULL when no quiz was tried)."""
    return (2 * func.sum(best) + tried) // func.nullif(2 * tried, 0, type_=Integer)


def _people(filters: Filters):
    """The ids of the learners `filters` can report on (their organisations, the cohort's
    members), or None for everyone: what the grouped subqueries need to read."""
    people = None
    if filters.scope is not None or filters.organisation is not None:
        people = _in_scope(select(User.id), filters)
    if filters.cohort is not None:
        members = select(CohortMember.user_id).where(CohortMember.cohort_id == filters.cohort)
        people = members if people is None else members.where(CohortMember.user_id.in_(people))
    return people


def _grouped_progress(courses: Mapping[str, Course], people):
    """What `_done_steps` tells of each enrolment, for all of them at once: the (learner,
    course) pairs with a lesson done and how many, and per pair the best-score mean, whether
    a quiz was passed and how many were; each grouped in one pass over its index, to be
    joined to the enrolments. Only the learners `people` are read (`_people`)."""
    lesson_slugs, quiz_slugs = _step_slugs(courses)
    lessons = (
        select(LessonCompletion.user_id, LessonCompletion.course_slug, func.count().label("done"))
        .where(
            _per_course(LessonCompletion.course_slug, LessonCompletion.lesson_slug, lesson_slugs)
        )
        .group_by(LessonCompletion.user_id, LessonCompletion.course_slug)
    )
    per_quiz = (
        select(
            QuizAttempt.user_id,
            QuizAttempt.course_slug,
            func.max(QuizAttempt.percent).label("best"),
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(_per_course(QuizAttempt.course_slug, QuizAttempt.quiz_slug, quiz_slugs))
        .group_by(QuizAttempt.user_id, QuizAttempt.course_slug, QuizAttempt.quiz_slug)
    )
    if people is not None:
        lessons = lessons.where(LessonCompletion.user_id.in_(people))
        per_quiz = per_quiz.where(QuizAttempt.user_id.in_(people))
    per_quiz = per_quiz.subquery("per_quiz")
    quizzes = select(
        per_quiz.c.user_id,
        per_quiz.c.course_slug,
        _mean_of_best(per_quiz.c.best, func.count()).label("score"),
        func.max(per_quiz.c.passed).label("passed"),
        func.sum(per_quiz.c.passed).label("passed_count"),
    ).group_by(per_quiz.c.user_id, per_quiz.c.course_slug)
    return lessons.subquery("lessons_done"), quizzes.subquery("quizzes_tried")


def _grouped_cohorts(filters: Filters, people):
    """`_cohort_of_enrolment` for every (learner, course) at once: the cohort each pair is
    reported under, ranked in one pass over the memberships of `people` (`_people`), to be
    joined to the enrolments."""
    rank = func.row_number().over(
        partition_by=(CohortMember.user_id, CohortCourse.course_slug),
        order_by=(CohortCourse.due_on.is_(None), CohortCourse.due_on, CohortCourse.cohort_id),
    )
    ranked = select(
        CohortMember.user_id, CohortCourse.course_slug, CohortCourse.cohort_id, rank.label("rank")
    ).join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)
    if filters.cohort is not None:
        ranked = ranked.where(CohortCourse.cohort_id == filters.cohort)
    if people is not None:
        ranked = ranked.where(CohortMember.user_id.in_(people))
    ranked = ranked.subquery("ranked")
    return (
        select(ranked.c.user_id, ranked.c.course_slug, ranked.c.cohort_id)
        .where(ranked.c.rank == 1)
        .subquery("reporting")
    )


def _pair_of(table):
    """The join condition of a (user_id, course_slug) table to the enrolment."""
    return and_(table.c.user_id == Enrolment.user_id, table.c.course_slug == Enrolment.course_slug)


def enrolment_rows(
    courses: Mapping[str, Course],
    filters: Filters = Filters(),
    *,
    detail: bool = True,
    today: dt.date | None = None,
    grouped: bool | None = None,
) -> Select:
    """One row per enrolment in a live course, with its status and best quiz score.

    Columns: user_id, organisation_id, course_slug, enrolled_at, completed_at, status,
    best_quiz_score, certificate_code; with `detail` also enrolment_id, email, name,
    organisation, done_steps, progress_percent, and the cohort it is reported under
    (`_cohort_of_enrolment`): cohort, due_on and cohort_status (measured on `today`). Each
    figure is a correlated subquery on the (user, course, slug) indexes, so a filtered or
    paged query reads only the rows it needs; still one statement for all learners. With
    `grouped` (by default: without `detail` on PostgreSQL; the CSV asks for it there too)
    the figures are grouped once for every enrolment in scope and joined in
    (`_grouped_progress`, `_grouped_cohorts`).
    """
    if grouped is None:
        # PostgreSQL runs a correlated subquery once per row (a SubPlan), 3-4x the cost of
        # grouping them all at once for the dashboard's 10,000s of rows; SQLite's nested
        # loops over covering indexes are the faster of the two there (bench/scale.py).
        grouped = not detail and db.session.get_bind().dialect.name == "postgresql"
    step_counts = {slug: len(c.lessons) + len(c.quizzes) for slug, c in courses.items()}
    mine_lc, mine_qa, started = _done_steps(courses)
    people = _people(filters)
    if grouped:
        lessons, quizzes = _grouped_progress(courses, people)
        # Never NULL (unlike `passed = 1` with no attempt), so that NOT started holds.
        started = or_(lessons.c.user_id.is_not(None), func.coalesce(quizzes.c.passed, 0) == 1)
        best_score = quizzes.c.score
    else:
        best_per_quiz = (
            select(func.max(QuizAttempt.percent).label("best"))
            .where(*mine_qa)
            .group_by(QuizAttempt.quiz_slug)
            .correlate(Enrolment)
            .subquery("best_per_quiz")
        )
        best_score = select(_mean_of_best(best_per_quiz.c.best, func.count())).scalar_subquery()
    status = status_case(Enrolment.completed_at.is_not(None), started)
    columns = [
        User.id.label("user_id"),
        User.organisation_id,
        Enrolment.course_slug,
        Enrolment.enrolled_at,
        Enrolment.completed_at,
        status.label("status"),
        best_score.label("best_quiz_score"),
        Certificate.code.label("certificate_code"),
    ]
    if detail and grouped:
        done = func.coalesce(lessons.c.done, 0) + func.coalesce(quizzes.c.passed_count, 0)
    elif detail:
        lessons_done = select(func.count()).where(*mine_lc).scalar_subquery()
        quizzes_passed = (
            select(func.count(QuizAttempt.quiz_slug.distinct()))
            .where(*mine_qa, QuizAttempt.passed.is_(True))
            .scalar_subquery()
        )
        done = lessons_done + quizzes_passed
    if detail:
        steps = case(step_counts, value=Enrolment.course_slug, else_=0) if courses else literal(0)
        columns += [
            Enrolment.id.label("enrolment_id"),
            User.email,
            User.name,
            Organisation.name.label("organisation"),
            done.label("done_steps"),
            case((steps == 0, 100), else_=(done * 100) // steps).label("progress_percent"),
            Cohort.name.label("cohort"),
            CohortCourse.due_on,
            cohort_status_case(CohortCourse.due_on, today or today_utc(), status).label(
                "cohort_status"
            ),
        ]
    query = (
        select(*columns)
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == Enrolment.user_id,
                Certificate.course_slug == Enrolment.course_slug,
                Certificate.revoked_at.is_(None),
            ),
        )
        .where(Enrolment.course_slug.in_(list(courses)))
    )
    if grouped:
        query = query.outerjoin(lessons, _pair_of(lessons)).outerjoin(quizzes, _pair_of(quizzes))
    if detail:
        query = query.outerjoin(Organisation, Organisation.id == User.organisation_id)
        if grouped:
            reporting = _grouped_cohorts(filters, people)
            query = query.outerjoin(reporting, _pair_of(reporting))
            cohort_id = reporting.c.cohort_id
        else:
            cohort_id = _cohort_of_enrolment(filters.cohort)
        query = query.outerjoin(
            CohortCourse,
            and_(
                CohortCourse.course_slug == Enrolment.course_slug,
                CohortCourse.cohort_id == cohort_id,
            ),
        ).outerjoin(Cohort, Cohort.id == CohortCourse.cohort_id)
    return _filtered(query, filters, started)


def _in_scope(query: Select, filters: Filters) -> Select:
    """Only the people of the organisation filtered on, and of the viewer's scope."""
    if filters.scope is not None:
        query = query.where(User.organisation_id.in_(sorted(filters.scope)))
    if filters.organisation == NO_ORGANISATION:
        query = query.where(User.organisation_id.is_(None))
    elif filters.organisation is not None:
        query = query.where(User.organisation_id == filters.organisation)
    return query


def _filtered(query: Select, filters: Filters, started) -> Select:
    query = _in_scope(query, filters)
    if filters.enrolled_from:
        query = query.where(Enrolment.enrolled_at >= _day_start(filters.enrolled_from))
    if filters.enrolled_to:
        end = _day_start(filters.enrolled_to + dt.timedelta(days=1))
        query = query.where(Enrolment.enrolled_at < end)
    if filters.course:
        query = query.where(Enrolment.course_slug == filters.course)
    if filters.cohort is not None:
        query = query.where(
            exists()
            .where(
                CohortMember.cohort_id == filters.cohort,
                CohortMember.user_id == Enrolment.user_id,
                CohortCourse.cohort_id == CohortMember.cohort_id,
                CohortCourse.course_slug == Enrolment.course_slug,
            )
            .correlate(Enrolment)
        )
    if filters.status == "completed":
        query = query.where(Enrolment.completed_at.is_not(None))
    elif filters.status == "certified":
        query = query.where(Certificate.code.is_not(None))
    elif filters.status == "in_progress":
        query = query.where(Enrolment.completed_at.is_(None), started)
    elif filters.status == "not_started":
        query = query.where(Enrolment.completed_at.is_(None), ~started)
    return query


# The dashboard -----------------------------------------------------------------------


@dataclass
class Figures:
    """Counts for one course, one organisation or everything."""

    enrolled: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    certified: int = 0
    best_sum: int = 0
    best_count: int = 0
    learners: int | None = None
    median_days: float | None = None

    @property
    def average_best_score(self) -> float | None:
        return self.best_sum / self.best_count if self.best_count else None

    def add(self, other: Figures) -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class OrganisationFigures:
    id: int | None
    name: str | None
    figures: Figures


@dataclass
class Dashboard:
    courses: list[tuple[Course, Figures]]
    organisations: list[OrganisationFigures]
    total: Figures = field(default_factory=Figures)
    cohorts: list[CohortFigures] | None = None  # with_cohorts: as `cohort_figures` gives them


def _days_between(start, end):
    """Days from start to end as a float, in the database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _counts(rows, course_key, organisation_key, learners) -> Select:
    """The summed figures (COUNTED) of some enrolment rows, with how many distinct learners."""
    return select(
        course_key.label("course_slug"),
        organisation_key.label("organisation_id"),
        func.count().label("enrolled"),
        *(
            func.sum(case((rows.c.status == status.value, 1), else_=0)).label(status.value)
            for status in Status
        ),
        func.count(rows.c.certificate_code).label("certified"),
        func.coalesce(func.sum(rows.c.best_quiz_score), 0).label("best_sum"),
        func.count(rows.c.best_quiz_score).label("best_count"),
        learners.label("learners"),
    )


def _medians(rows, partition) -> Select:
    """Median days from enrolment to completion per `partition` (the mean of the two middle
    values when there is an even number)."""
    days = _days_between(rows.c.enrolled_at, rows.c.completed_at)
    ranked = (
        select(
            partition.label("part"),
            days.label("days"),
            func.row_number().over(partition_by=partition, order_by=days).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(rows.c.completed_at.is_not(None))
        .subquery()
    )
    middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    return (
        select(ranked.c.part, func.avg(ranked.c.days).label("median_days"))
        .where(middle)
        .group_by(ranked.c.part)
    )


# The cohort counts ride in the dashboard's statement in the columns of these Figures
# fields (after "enrolled", which holds the members): see `dashboard`.
COHORT_AS_COUNTED = (
    CohortStatus.NOT_STARTED,
    CohortStatus.IN_PROGRESS,
    CohortStatus.COMPLETED,
    CohortStatus.OVERDUE,
)


def _figures(row) -> Figures:
    return Figures(**{name: int(row[name] or 0) for name in COUNTED})


def dashboard(
    courses: Mapping[str, Course],
    filters: Filters = Filters(),
    *,
    with_cohorts: bool = False,
    today: dt.date | None = None,
) -> Dashboard:
    """Per course and per organisation figures: one statement for the counts (per course and
    organisation; the distinct learners per organisation and overall, whose other figures are
    the sums of those cells) and the medians, over the enrolment rows computed once.
    `with_cohorts` adds `cohort_figures(courses, filters, today)`, counted in the same
    statement from the same rows when no enrolment date narrows them."""
    # Materialised: read once for the three groupings below, not once per grouping.
    rows = (
        enrolment_rows(courses, filters.without("course", "status"), detail=False)
        .cte("rows")
        .prefix_with("MATERIALIZED")
    )
    learners = func.count(rows.c.user_id.distinct())
    no_slug, no_org, no_count = cast(null(), String), cast(null(), Integer), cast(null(), Integer)
    per_cell = _counts(rows, rows.c.course_slug, rows.c.organisation_id, no_count)
    # Per organisation and overall only the distinct learners are counted here: their
    # other figures are the sums of the per-course cells, added up below.
    per_org = select(no_slug, rows.c.organisation_id, *(no_count for _name in COUNTED), learners)
    overall = select(no_slug, no_org, *(no_count for _name in COUNTED), learners)
    no_days = cast(null(), Float).label("median_days")
    no_part = cast(null(), String).label("part")
    counts = [
        per_cell.add_columns(literal("cell").label("kind"), no_days, no_part).group_by(
            rows.c.course_slug, rows.c.organisation_id
        ),
        per_org.add_columns(literal("org").label("kind"), no_days, no_part).group_by(
            rows.c.organisation_id
        ),
        overall.add_columns(literal("all").label("kind"), no_days, no_part),
    ]
    # The medians ride in the same statement (their counts columns empty), so the
    # materialised rows are computed once for the whole dashboard.
    empty = [no_slug, no_org, *(no_count for _name in COUNTED), no_count]
    medians = [
        select(*empty, literal(kind).label("kind"), part.c.median_days, part.c.part)
        for kind, part in (
            ("m-course", _medians(rows, rows.c.course_slug).subquery()),
            ("m-org", _medians(rows, cast(rows.c.organisation_id, String)).subquery()),
            ("m-all", _medians(rows, literal("all")).subquery()),
        )
    ]

    # Without a date filter the rows are every enrolment of the members in scope (of the
    # cohort filtered on), so each member's status is read from them, not computed again.
    shared = with_cohorts and filters.enrolled_from is None and filters.enrolled_to is None
    cohorts = []
    if shared:
        members = _cohort_members(
            courses,
            filters,
            rows.c.status,
            rows,
            and_(
                rows.c.user_id == CohortMember.user_id,
                rows.c.course_slug == CohortCourse.course_slug,
            ),
        ).subquery("members")
        counted = _cohort_counts(members, today)
        cohorts.append(
            select(
                members.c.course_slug,
                members.c.cohort_id,
                func.count(),
                *(counted[each] for each in COHORT_AS_COUNTED),
                no_count,
                no_count,
                no_count,
                literal("cohort").label("kind"),
                no_days,
                no_part,
            ).group_by(members.c.cohort_id, members.c.course_slug)
        )

    by_course = {slug: Figures() for slug in courses}
    by_org: dict[int | None, Figures] = {}
    total = Figures()
    cells_of_org: dict[int | None, Figures] = {}
    learners_of_org: dict[int | None, int] = {}
    all_learners = 0
    found_medians = []
    found_cohorts = {}
    for row in db.session.execute(union_all(*counts, *medians, *cohorts)).all():
        row = row._mapping
        kind = row["kind"]
        if kind == "cohort":
            found_cohorts[(row["organisation_id"], row["course_slug"])] = (
                int(row["enrolled"]),
                {
                    each: int(row[name] or 0)
                    for each, name in zip(COHORT_AS_COUNTED, COUNTED[1:], strict=False)
                },
            )
            continue
        if kind.startswith("m-"):
            found_medians.append((kind, row["part"], row["median_days"]))
            continue
        if kind == "cell":
            figures = _figures(row)
            by_course[row["course_slug"]].add(figures)
            cells_of_org.setdefault(row["organisation_id"], Figures()).add(figures)
        elif kind == "org":
            learners_of_org[row["organisation_id"]] = int(row["learners"])
        else:
            all_learners = int(row["learners"])
    # Assembled after the loop: UNION ALL promises no order of its parts' rows.
    for organisation_id, learners_count in learners_of_org.items():
        figures = cells_of_org[organisation_id]
        figures.learners = learners_count
        by_org[organisation_id] = figures
    if all_learners:
        for figures in cells_of_org.values():
            total.add(figures)
        total.learners = all_learners
    for kind, part, median_days in found_medians:
        if kind == "m-course":
            by_course[part].median_days = float(median_days)
        elif kind == "m-org":
            by_org[int(part) if part is not None else None].median_days = float(median_days)
        else:
            total.median_days = float(median_days)

    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([key for key in by_org if key is not None])
            )
        ).all()
    )
    organisations = sorted(
        (OrganisationFigures(key, names.get(key), figures) for key, figures in by_org.items()),
        key=lambda o: (o.id is None, (o.name or "").casefold()),
    )
    if shared:
        cohort_list = _cohorts_in_order(courses, found_cohorts)
    elif with_cohorts:
        cohort_list = cohort_figures(courses, filters, today)
    else:
        cohort_list = None
    return Dashboard(
        courses=[(courses[slug], figures) for slug, figures in by_course.items()],
        organisations=organisations,
        total=total,
        cohorts=cohort_list,
    )


# Cohorts against their due dates --------------------------------------------------------


@dataclass(frozen=True)
class CohortFigures:
    """One course of a cohort: its members (in the viewer's scope) by cohort status."""

    cohort_id: int
    cohort: str
    course: Course
    due_on: dt.date | None
    members: int
    counts: dict[CohortStatus, int]

    @property
    def completed_percent(self) -> int:
        done = self.counts[CohortStatus.COMPLETED]
        return done * 100 // self.members if self.members else 0


def _cohort_members(
    courses: Mapping[str, Course], filters: Filters, progress, enrolments, on
) -> Select:
    """Each member in scope of each cohort course with its `status_case` (`progress`, from
    `enrolments` outer-joined `on` the member and course: NULL, not enrolled yet)."""
    members = (
        select(
            CohortCourse.cohort_id,
            CohortCourse.course_slug,
            CohortCourse.due_on,
            progress.label("progress"),
        )
        .join(CohortMember, CohortMember.cohort_id == CohortCourse.cohort_id)
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(enrolments, on)
        .where(CohortCourse.course_slug.in_(list(courses)), User.deleted_at.is_(None))
    )
    if filters.cohort is not None:
        members = members.where(CohortCourse.cohort_id == filters.cohort)
    return _in_scope(members, filters)


def _cohort_counts(members, today: dt.date | None) -> dict[CohortStatus, ColumnElement]:
    status = cohort_status_case(members.c.due_on, today or today_utc(), members.c.progress)
    return {
        each: func.sum(case((status == each.value, 1), else_=0)).label(each.name)
        for each in CohortStatus
    }


def cohort_figures(
    courses: Mapping[str, Course], filters: Filters = Filters(), today: dt.date | None = None
) -> list[CohortFigures]:
    """Per cohort and course: how many members finished, are on their way, have not started
    or are overdue on `today`; a member not enrolled yet counts as not started. One statement;
    only members in the viewer's scope count, and a cohort with none of them is left out.
    (`dashboard(..., with_cohorts=True)` gives the same list from its own statement.)"""
    # A member with no enrolment (outer join) is "not started", as in `status_case`. Each
    # member's progress (its EXISTS subqueries) is computed once, in a materialised inner
    # query: inlined, the databases evaluated them again for each use of the status below.
    _lessons, _quizzes, started = _done_steps(courses)
    members = (
        _cohort_members(
            courses,
            filters,
            status_case(Enrolment.completed_at.is_not(None), started),
            Enrolment,
            and_(
                Enrolment.user_id == CohortMember.user_id,
                Enrolment.course_slug == CohortCourse.course_slug,
            ),
        )
        .cte("members")
        .prefix_with("MATERIALIZED")
    )
    query = (
        select(
            Cohort.id,
            Cohort.name,
            members.c.course_slug,
            members.c.due_on,
            func.count().label("members"),
            *_cohort_counts(members, today).values(),
        )
        .join(Cohort, Cohort.id == members.c.cohort_id)
        .group_by(Cohort.id, Cohort.name, members.c.course_slug, members.c.due_on)
        .order_by(members.c.due_on.is_(None), members.c.due_on, Cohort.name, members.c.course_slug)
    )
    return [
        CohortFigures(
            cohort_id=row.id,
            cohort=row.name,
            course=courses[row.course_slug],
            due_on=row.due_on,
            members=row.members,
            counts={each: int(getattr(row, each.name) or 0) for each in CohortStatus},
        )
        for row in db.session.execute(query)
    ]


def _cohorts_in_order(
    courses: Mapping[str, Course], found: dict[tuple[int, str], tuple[int, dict]]
) -> list[CohortFigures]:
    """CohortFigures for the (cohort, course) counts `found`, named and ordered as
    `cohort_figures` orders them (by due date, none last, then cohort name and course)."""
    if not found:
        return []
    query = (
        select(Cohort.id, Cohort.name, CohortCourse.course_slug, CohortCourse.due_on)
        .join(Cohort, Cohort.id == CohortCourse.cohort_id)
        .where(
            CohortCourse.cohort_id.in_(sorted({cohort_id for cohort_id, _slug in found})),
            CohortCourse.course_slug.in_(list(courses)),
        )
        .order_by(CohortCourse.due_on.is_(None), CohortCourse.due_on, Cohort.name)
        .order_by(CohortCourse.course_slug)
    )
    return [
        CohortFigures(
            cohort_id=row.id,
            cohort=row.name,
            course=courses[row.course_slug],
            due_on=row.due_on,
            members=found[(row.id, row.course_slug)][0],
            counts=found[(row.id, row.course_slug)][1],
        )
        for row in db.session.execute(query)
        if (row.id, row.course_slug) in found
    ]


# The CSV ------------------------------------------------------------------------------

COMPLETION_COLUMNS = (
    "email",
    "name",
    "organisation",
    "course",
    "enrolled_at",
    "progress_percent",
    "best_quiz_score",
    "completed_at",
    "certificate_code",
    "cohort",
    "due_at",
    "status",
)


def iso(value: dt.datetime | None) -> str:
    """An ISO 8601 UTC timestamp to the second, or an empty cell."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive values from a Core select
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def completion_records(
    courses: Mapping[str, Course], filters: Filters = Filters(), connection=None, batch: int = 1000
) -> Iterator[tuple]:
    """The completions CSV rows (COMPLETION_COLUMNS), by course, organisation and name."""
    executor = connection if connection is not None else db.session
    dialect = (connection if connection is not None else db.session.get_bind()).dialect
    # Grouped on PostgreSQL, as the dashboard's rows: at 100,000 learners the statement
    # runs 2.2x faster for all of them, 1.1-2x for one organisation; but 2x slower for one
    # cohort's members (PostgreSQL joins them last). SQLite's correlated form is the faster
    # there in every case (bench/scale.py's database, issue 18).
    grouped = dialect.name == "postgresql" and filters.cohort is None
    rows = enrolment_rows(courses, filters, grouped=grouped).subquery()
    # Only the columns the file shows: PostgreSQL evaluates a correlated subquery once per
    # column that names it, so done_steps and status, unused here, would cost as much again.
    query = select(
        rows.c.email,
        rows.c.name,
        rows.c.organisation,
        rows.c.course_slug,
        rows.c.enrolled_at,
        rows.c.progress_percent,
        rows.c.best_quiz_score,
        rows.c.completed_at,
        rows.c.certificate_code,
        rows.c.cohort,
        rows.c.due_on,
        rows.c.cohort_status,
    ).order_by(rows.c.course_slug, rows.c.organisation, rows.c.name, rows.c.email)
    titles = {slug: course.title for slug, course in courses.items()}
    for (
        email,
        name,
        organisation,
        course_slug,
        enrolled_at,
        progress_percent,
        best_quiz_score,
        completed_at,
        certificate_code,
        cohort,
        due_on,
        cohort_status,
    ) in executor.execute(query.execution_options(yield_per=batch)):
        yield (
            email,
            name,
            organisation or "",
            titles[course_slug],
            iso(enrolled_at),
            progress_percent,
            "" if best_quiz_score is None else best_quiz_score,
            iso(completed_at),
            certificate_code or "",
            cohort or "",
            due_on.isoformat() if due_on else "",
            cohort_status,
        )


ATTEMPT_COLUMNS = (
    "email",
    "name",
    "organisation",
    "course",
    "quiz",
    "attempt",
    "submitted_at",
    "points",
    "total",
    "percent",
    "pass_mark",
    "passed",
    "course_version",
)


def attempt_records(
    courses: Mapping[str, Course], filters: Filters = Filters(), connection=None, batch: int = 1000
) -> Iterator[tuple]:
    """One CSV row per quiz attempt of the filtered enrolments (ATTEMPT_COLUMNS)."""
    enrolled = enrolment_rows(courses, filters).subquery()
    query = (
        select(
            enrolled.c.email,
            enrolled.c.name,
            enrolled.c.organisation,
            enrolled.c.course_slug,
            QuizAttempt.quiz_slug,
            QuizAttempt.number,
            QuizAttempt.submitted_at,
            QuizAttempt.points,
            QuizAttempt.total,
            QuizAttempt.percent,
            QuizAttempt.pass_mark,
            QuizAttempt.passed,
            QuizAttempt.course_version,
        )
        .join(
            QuizAttempt,
            and_(
                QuizAttempt.user_id == enrolled.c.user_id,
                QuizAttempt.course_slug == enrolled.c.course_slug,
            ),
        )
        .order_by(
            enrolled.c.course_slug,
            enrolled.c.organisation,
            enrolled.c.name,
            enrolled.c.email,
            QuizAttempt.quiz_slug,
            QuizAttempt.number,
        )
    )
    executor = connection if connection is not None else db.session
    for row in executor.execute(query.execution_options(yield_per=batch)):
        course = courses[row.course_slug]
        quiz = course.quiz(row.quiz_slug)
        yield (
            row.email,
            row.name,
            row.organisation or "",
            course.title,
            quiz.title if quiz else row.quiz_slug,
            row.number,
            iso(row.submitted_at),
            row.points,
            row.total,
            row.percent,
            row.pass_mark,
            "yes" if row.passed else "no",
            row.course_version,
        )


# The learner list ---------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """One enrolment in a live course as the admin pages show it (`enrolment_rows`)."""

    course: Course
    user_id: int
    enrolment_id: int
    enrolled_at: dt.datetime
    completed_at: dt.datetime | None
    status: Status
    done_steps: int
    progress_percent: int
    best_quiz_score: int | None
    certificate_code: str | None

    @classmethod
    def read(cls, query: Select, courses: Mapping[str, Course]) -> list[EnrolmentRow]:
        """The rows of a detailed `enrolment_rows` query, each with its course."""
        return [
            cls(
                course=courses[row.course_slug],
                user_id=row.user_id,
                enrolment_id=row.enrolment_id,
                enrolled_at=row.enrolled_at,
                completed_at=row.completed_at,
                status=Status(row.status),
                done_steps=row.done_steps,
                progress_percent=row.progress_percent,
                best_quiz_score=row.best_quiz_score,
                certificate_code=row.certificate_code,
            )
            for row in db.session.execute(query)
        ]


@dataclass(frozen=True)
class LearnerRow:
    user: User
    enrolments: list[EnrolmentRow]

    @property
    def average_progress(self) -> int | None:
        values = [row.progress_percent for row in self.enrolments]
        return sum(values) // len(values) if values else None


@dataclass(frozen=True)
class LearnerPage:
    rows: list[LearnerRow]
    total: int
    page: int
    pages: int
    per_page: int


def learners_page(
    courses: Mapping[str, Course],
    filters: Filters = Filters(),
    *,
    search: str = "",
    role: str | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> LearnerPage:
    """One page of accounts, filtered, searched and sorted, with their enrolments' progress.

    With a course, status or enrolment-date filter only learners with a matching
    enrolment are listed (exactly those the dashboard counted), and only the matching
    enrolments are shown.
    """
    users = select(User.id).outerjoin(Organisation, Organisation.id == User.organisation_id)
    if search.strip():
        pattern = (
            "%" + search.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        users = users.where(
            or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    if role:
        users = users.where(User.role == role)
    users = _in_scope(users, filters)
    by_enrolment = any(
        (filters.course, filters.status, filters.enrolled_from, filters.enrolled_to, filters.cohort)
    )
    if by_enrolment:
        matching = enrolment_rows(courses, filters, detail=False).subquery()
        users = users.where(User.id.in_(select(matching.c.user_id)))

    shown_page = paging(
        db.session.scalar(select(func.count()).select_from(users.subquery())), page, per_page
    )

    if sort == "progress":
        shown = enrolment_rows(courses, filters).subquery()
        progress = (
            select(shown.c.user_id, func.avg(shown.c.progress_percent).label("average"))
            .group_by(shown.c.user_id)
            .subquery()
        )
        users = users.outerjoin(progress, progress.c.user_id == User.id)
        key = progress.c.average
        # Learners with no enrolment sort last either way.
        order = [key.is_(None), key.desc() if descending else key.asc()]
    else:
        key = {
            "email": func.lower(User.email),
            "organisation": func.lower(func.coalesce(Organisation.name, "")),
            "joined": User.created_at,
        }.get(sort, func.lower(User.name))
        order = [key.desc() if descending else key.asc()]
    people = list(
        db.session.scalars(
            users.with_only_columns(User)
            .order_by(*order, User.id)
            .limit(per_page)
            .offset(shown_page.offset)
        )
    )
    ids = [user.id for user in people]
    enrolments: dict[int, list[EnrolmentRow]] = {user_id: [] for user_id in ids}
    if ids:
        shown = enrolment_rows(courses, filters if by_enrolment else Filters(scope=filters.scope))
        query = shown.where(Enrolment.user_id.in_(ids)).order_by(Enrolment.enrolled_at)
        for row in EnrolmentRow.read(query, courses):
            enrolments[row.user_id].append(row)
    rows = [LearnerRow(user, enrolments[user.id]) for user in people]
    return LearnerPage(rows, shown_page.total, shown_page.page, shown_page.pages, per_page)


# Files: CSV and ZIP, streamed ---------------------------------------------------------

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header: tuple[str, ...], records, every: int = 500) -> Iterator[str]:
    """CSV text in chunks: a BOM (for Excel and Arabic), the header, then the records."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for number, record in enumerate(records, start=1):
        writer.writerow([neutralise(value) for value in record])
        if number % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class _Sink(io.RawIOBase):
    """A write-only stream that hands out what was written so far (for a streamed ZIP)."""

    def __init__(self) -> None:
        self._data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._data += data
        return len(data)

    def take(self) -> bytes:
        data, self._data = bytes(self._data), bytearray()
        return data


_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def _pdf_name(name: str, code: str) -> str:
    cleaned = _UNSAFE_IN_NAME.sub(" ", name)
    cleaned = " ".join(cleaned.split()).strip(". ")[:80]
    return f"{cleaned} - {code}.pdf" if cleaned else f"{code}.pdf"


def certificate_zip_chunks(
    course: Course, filters: Filters = Filters(), connection=None
) -> Iterator[bytes]:
    """The stored PDFs of a course's live certificates, and a list of them, as a ZIP."""
    query = (
        select(
            Certificate.code,
            Certificate.name,
            Certificate.completed_on,
            Certificate.issued_at,
            Certificate.expires_on,
            Certificate.sha256,
            Certificate.pdf,
            User.email,
            Organisation.name.label("organisation"),
        )
        .join(User, User.id == Certificate.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(Certificate.course_slug == course.slug, Certificate.revoked_at.is_(None))
        .order_by(Organisation.name, Certificate.name, Certificate.code)
    )
    query = _in_scope(query, filters)
    sink = _Sink()
    listing = [
        ("code", "name", "email", "organisation", "completed_on", "expires_on", "sha256", "file")
    ]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        executor = connection if connection is not None else db.session
        for row in executor.execute(query.execution_options(yield_per=50)):
            if not row.pdf:  # withdrawn holder: the stored PDF was deleted with the account
                continue
            filename = _pdf_name(row.name, row.code)
            archive.writestr(zipfile.ZipInfo(filename, date_time=_zip_time(row.issued_at)), row.pdf)
            listing.append(
                (
                    row.code,
                    row.name,
                    row.email,
                    row.organisation or "",
                    row.completed_on.isoformat(),
                    row.expires_on.isoformat() if row.expires_on else "",
                    row.sha256,
                    filename,
                )
            )
            yield sink.take()
        text = "".join(csv_chunks(listing[0], listing[1:], every=10**9))
        archive.writestr("certificates.csv", text.encode("utf-8"))
    yield sink.take()


def _zip_time(value: dt.datetime | None) -> tuple:
    value = value or dt.datetime(1980, 1, 1)
    return (max(value.year, 1980), value.month, value.day, value.hour, value.minute, value.second)
