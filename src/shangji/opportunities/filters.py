"""One FilterSet for the opportunity list page, its CSV export and the API."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from shangji.accounts.models import Account
from shangji.core.filters import text_search
from shangji.users.models import Team, User

from .choices import ForecastCategory, LeadSource, OpportunityType, StageKind
from .health import FLAG_CHOICES, filter_by_flags
from .models import Opportunity, Pipeline, Stage


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def close_period_bounds(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a named close period around `today`."""
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    start, months = {
        "this_month": (month, 1),
        "next_month": (_add_months(month, 1), 1),
        "last_month": (_add_months(month, -1), 1),
        "this_quarter": (quarter, 3),
        "next_quarter": (_add_months(quarter, 3), 3),
        "last_quarter": (_add_months(quarter, -3), 3),
        "this_year": (today.replace(month=1, day=1), 12),
    }[period]
    return start, _add_months(start, months) - datetime.timedelta(days=1)


CLOSE_PERIODS = [
    ("this_month", _("This month")),
    ("next_month", _("Next month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("next_quarter", _("Next quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This year")),
]

STATUS_CHOICES = [
    ("open", _("Open")),
    ("won", _("Won")),
    ("lost", _("Lost")),
    ("closed", _("Closed")),
]

# The lead source filter's value for opportunities without one (reports drill down with it).
NO_LEAD_SOURCE = "none"

# Sort keys users see → the model path the list is ordered by.
SORT_FIELDS = {
    "name": "name",
    "account": "account__name",
    "stage": "stage__position",
    "amount": "amount_base",
    "close_date": "close_date",
    "owner": "owner__username",
    "probability": "probability",
    "updated": "updated_at",
}


class _RecordsField(django_filters.fields.ModelMultipleChoiceField):
    """Refuses an id no database column can hold like any unknown one (SQLite cannot even
    compare a column with it)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                too_large = not -(2**63) <= int(pk) < 2**63
            except (TypeError, ValueError):
                continue  # the parent's own message
            if too_large:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class _RecordsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _RecordsField


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    stage = _RecordsFilter(queryset=Stage.objects.select_related("pipeline"), label=_("Stage"))
    pipeline = django_filters.ModelChoiceFilter(
        queryset=Pipeline.objects.all(), label=_("Pipeline")
    )
    owner = _RecordsFilter(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        label=_("Owner"),
    )
    # Opportunities owned by the team's members, active or not.
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="owner__team", label=_("Team")
    )
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(), label=_("Account"), widget=forms.HiddenInput
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Status")
    )
    close_date_from = django_filters.DateFilter(
        field_name="close_date",
        lookup_expr="gte",
        label=_("Closes from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_date_to = django_filters.DateFilter(
        field_name="close_date",
        lookup_expr="lte",
        label=_("Closes until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_period = django_filters.ChoiceFilter(
        choices=CLOSE_PERIODS, method="filter_close_period", label=_("Close period")
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount_base", lookup_expr="gte", label=_("Amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount_base", lookup_expr="lte", label=_("Amount up to")
    )
    type = django_filters.ChoiceFilter(choices=OpportunityType.choices, label=_("Type"))
    lead_source = django_filters.ChoiceFilter(
        choices=[*LeadSource.choices, (NO_LEAD_SOURCE, _("None"))],
        method="filter_lead_source",
        label=_("Lead source"),
    )
    # The forecast page's drill-downs: ?forecast_category=commit&forecast_category=closed.
    forecast_category = django_filters.MultipleChoiceFilter(
        choices=ForecastCategory.choices, label=_("Forecast category")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )
    # Open opportunities with any of the chosen health flags (?health=stale&health=…).
    health = django_filters.MultipleChoiceFilter(
        choices=FLAG_CHOICES,
        method="filter_health",
        label=_("Health flags"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name
        self.filters["stage"].field.label_from_instance = self._stage_label

    @cached_property
    def _several_pipelines(self) -> bool:
        return Pipeline.objects.count() > 1

    def _stage_label(self, stage) -> str:
        # Only rendering the page's form asks for labels, so the API pays no query for this.
        return f"{stage.pipeline.label} · {stage.label}" if self._several_pipelines else stage.label

    def filter_text(self, queryset, name, value):
        return text_search(queryset, value, ["name", "account__name", "next_step"])

    def filter_status(self, queryset, name, value):
        if value == "closed":
            return queryset.exclude(stage__kind=StageKind.OPEN)
        return queryset.filter(stage__kind=value)

    def filter_lead_source(self, queryset, name, value):
        return queryset.filter(lead_source="" if value == NO_LEAD_SOURCE else value)

    def filter_close_period(self, queryset, name, value):
        start, end = close_period_bounds(value, timezone.localdate())
        return queryset.closing_between(start, end)

    def filter_health(self, queryset, name, value):
        return filter_by_flags(queryset, value)

    def filter_mine(self, queryset, name, value):
        if value and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset
