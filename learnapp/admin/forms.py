"""Administration forms: shape only; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from learnapp.admin.reports import NO_ORGANISATION, STATUSES, Filters
from learnapp.models import OrganisationKind, Role

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
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


def organisation_choices(organisations, everyone: str | None) -> list[SelectChoice]:
    """Choices for an organisation select: optionally "all", then "none", then each one."""
    choices = [SelectChoice("", everyone)] if everyone else []
    choices.append(SelectChoice(NO_ORGANISATION, _l("No organisation")))
    choices += [SelectChoice(str(o.id), o.name) for o in organisations]
    return choices


class FilterForm(FlaskForm):
    """The dashboard's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    enrolled_from = DateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = DateField(_l("Enrolled until"), validators=[Optional()])

    def validate_enrolled_to(self, field) -> None:
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> Filters:
        """The valid filters; a field with an error is left out."""
        self.validate()
        organisation = None
        value = self.organisation.data if not self.organisation.errors else ""
        if value == NO_ORGANISATION:
            organisation = NO_ORGANISATION
        elif value and value.isascii() and value.isdigit() and int(value) < 2**63:
            organisation = int(value)
        dates_ok = not self.enrolled_to.errors
        return Filters(
            organisation=organisation,
            enrolled_from=self.enrolled_from.data if dates_ok else None,
            enrolled_to=self.enrolled_to.data if dates_ok else None,
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
        return Filters(
            organisation=base.organisation,
            enrolled_from=base.enrolled_from,
            enrolled_to=base.enrolled_to,
            course=course,
            status=status,
        )


def _reason(label=None, required: bool = True):
    validators = [DataRequired(message=_l("Say why, for the audit log."))] if required else []
    return TextAreaField(
        label or _l("Reason (kept in the audit log)"),
        validators=[*validators, Length(max=500)],
        render_kw={"rows": 2},
    )


class ReasonForm(FlaskForm):
    """Any action that only needs a reason: deactivate, reset link, revoke, re-issue."""

    reason = _reason()


class AccountForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    reason = _reason()


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    country = StringField(_l("Country"), validators=[Optional(), Length(max=100)])


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), validators=[DataRequired()])
    reason = _reason()
