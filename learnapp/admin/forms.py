"""Administration forms: shape only; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from learnapp.admin.reports import NO_ORGANISATION, STATUSES, Filters
from learnapp.auth.names import VisibleName
from learnapp.dbutil import parse_id
from learnapp.forms import Form
from learnapp.i18n import LANGUAGE_NAMES
from learnapp.models import OrganisationKind, Role

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.MANAGER: _l("Partner manager"),
    Role.ADMIN: _l("Administrator"),
}
KIND_LABELS = {
    OrganisationKind.MINISTRY: _l("Ministry"),
    OrganisationKind.NGO: _l("NGO"),
    OrganisationKind.UNIVERSITY: _l("University"),
    OrganisationKind.OTHER: _l("Other"),
}
STATUS_LABELS = {
    "enrolled": _l("Enrolled"),
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "certified": _l("Certified"),
}
SORTS = ("name", "email", "organisation", "joined", "progress")
# The dates a report can filter on: beyond them, adding a day or converting to a
# timestamp overflows (9999-12-31 was a 500); no enrolment is that old or that new.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _in_range(form, field) -> None:
    if field.data and not FIRST_DATE <= field.data <= LAST_DATE:
        raise ValidationError(
            _l(
                "Enter a date between %(first)s and %(last)s.",
                first=FIRST_DATE.isoformat(),
                last=LAST_DATE.isoformat(),
            )
        )


def organisation_choices(
    organisations, everyone: str | None, *, none: bool = True
) -> list[SelectChoice]:
    """Choices for an organisation select: optionally "all", then "none", then each one."""
    choices = [SelectChoice("", everyone)] if everyone else []
    if none:
        choices.append(SelectChoice(NO_ORGANISATION, _l("No organisation")))
    choices += [SelectChoice(str(o.id), o.name) for o in organisations]
    return choices


class FilterForm(Form):
    """The dashboard's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    cohort = SelectField(_l("Cohort"), validators=[Optional()], choices=[])
    scope: frozenset[int] | None = None  # the viewer's organisations (None: all), see Filters
    enrolled_from = DateField(
        _l("Enrolled from"),
        validators=[Optional(), _in_range],
        render_kw={"min": FIRST_DATE.isoformat(), "max": LAST_DATE.isoformat()},
    )
    enrolled_to = DateField(
        _l("Enrolled until"),
        validators=[Optional(), _in_range],
        render_kw={"min": FIRST_DATE.isoformat(), "max": LAST_DATE.isoformat()},
    )

    def validate_enrolled_to(self, field) -> None:
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def date_error(self) -> str | None:
        """ "Label: error" of the first date field the reports cannot use, else None."""
        for field in (self.enrolled_from, self.enrolled_to):
            if field.errors:
                return f"{field.label.text}: {' '.join(map(str, field.errors))}"
        return None

    def filters(self) -> Filters:
        """The valid filters; a field with an error is left out."""
        self.validate()
        value = self.organisation.data if not self.organisation.errors else ""
        organisation = NO_ORGANISATION if value == NO_ORGANISATION else parse_id(value)
        dates_ok = not self.date_error()
        cohort = parse_id(self.cohort.data) if not self.cohort.errors else None
        return Filters(
            organisation=organisation,
            cohort=cohort,
            enrolled_from=self.enrolled_from.data if dates_ok else None,
            enrolled_to=self.enrolled_to.data if dates_ok else None,
            scope=self.scope,
        )


class LearnerFilterForm(FilterForm):
    """The learner list: the dashboard's filters plus search, course, status and role."""

    q = SearchField(_l("Name or e-mail"), validators=[Optional(), Length(max=200)])
    course = SelectField(_l("Course"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(key, label) for key, label in STATUS_LABELS.items()],
        validators=[Optional()],
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[Optional()],
    )

    def filters(self) -> Filters:
        base = super().filters()
        course = self.course.data if not self.course.errors and self.course.data else None
        status = self.status.data if self.status.data in STATUSES else None
        return replace(base, course=course, status=status)


def _reason(label=None, required: bool = True):
    validators = [DataRequired(message=_l("Say why, for the audit log."))] if required else []
    return TextAreaField(
        label or _l("Reason (kept in the audit log)"),
        validators=[*validators, Length(max=500)],
        render_kw={"rows": 2},
    )


class ReasonForm(Form):
    """Any action that only needs a reason: deactivate, reset link, revoke, re-issue."""

    reason = _reason()


class AccountForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    manages = SelectMultipleField(
        _l("Organisations managed (partner managers only)"),
        validators=[Optional()],
        render_kw={"size": 4},
    )
    reason = _reason()


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), VisibleName()])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    country = StringField(
        _l("Country"), validators=[Optional(), Length(max=100), VisibleName(letter=False)]
    )


class MergeForm(Form):
    into = SelectField(_l("Merge into"), validators=[DataRequired()])
    reason = _reason()


class InviteForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120), VisibleName()])
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    course = SelectField(_l("Course"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of the e-mail"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired()],
    )


class CohortForm(Form):
    """A cohort's name and organisation; `with_courses` adds, per live course, a box to
    include it and its due date (fields `course_N` and `due_N`, N its place in the list)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), VisibleName()])
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])

    def planned(self) -> dict[str, dt.date | None]:
        """Slug → due date (or None) of each course ticked."""
        return {
            slug: self[f"due_{index}"].data
            for index, slug in enumerate(self.course_slugs)
            if self[f"course_{index}"].data
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.planned() and self.course_slugs:
            self["course_0"].errors.append(_l("Choose at least one course."))
            return False
        return valid


def with_courses(courses, cohort=None, formdata=None) -> type:
    """A CohortForm class with a box and a due date for each course (title, slug)."""
    planned = {p.course_slug: p.due_on for p in cohort.courses} if cohort else {}

    class F(CohortForm):
        course_slugs = [course.slug for course in courses]

    for index, course in enumerate(courses):
        setattr(F, f"course_{index}", BooleanField(course.title, default=course.slug in planned))
        setattr(
            F,
            f"due_{index}",
            DateField(
                _l("Due date for “%(course)s” (optional)", course=course.title),
                validators=[Optional(), _in_range],
                default=planned.get(course.slug),
                render_kw={"min": FIRST_DATE.isoformat(), "max": LAST_DATE.isoformat()},
            ),
        )
    return F


class MemberForm(Form):
    email = EmailField(
        _l("E-mail of the learner to add"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class ImportForm(Form):
    """The CSV file of a bulk import (its rows are checked by the preview, not here)."""

    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        ],
        description=_l(
            "Columns email, name, organisation, language, cohort; separated by , or ; "
            "in UTF-8, as Excel (“CSV UTF-8”) and LibreOffice save them."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmImportForm(Form):
    """Confirming a previewed import: the CSRF token is all it carries (the id is the URL)."""
