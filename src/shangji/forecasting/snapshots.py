"""Weekly forecast snapshots, and how accurate those forecasts were against what was won.

Once a week (the first worker sweep of the local Monday-based week, forecasting/tasks.py) every
owner's forecast for the current month, fiscal quarter and fiscal year and the next fiscal
quarter is written down with `forecast_by_owner`, the forecast page's own figures, over all
opportunities. A past period then compares each week's forecast with what is won now:

- forecast = closed won + commit, as the snapshot recorded them that week;
- best case = forecast + best case; weighted = closed won + weighted pipeline;
- actual = closed won now, by close date in the period;
- accuracy = 1 − |forecast − actual| ÷ actual; bias = (forecast − actual) ÷ actual (positive:
  over-forecast); both in percent to one place, none when nothing was won.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.core.permissions import read_scope
from shangji.opportunities.models import Opportunity
from shangji.users.models import Organization, Team, User

from .figures import forecast_by_owner
from .models import ForecastSnapshot
from .periods import Period, PeriodKind, period_of, period_parse
from .reports.base import ZERO, to_cents
from .time_travel import day_end, states_at

TENTH = Decimal("0.1")
FIGURES = ("closed_won", "commit", "best_case", "weighted")


# Taking the snapshot ---------------------------------------------------------------------------


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    """The date in the server's zone (settings.TIME_ZONE), whatever zone is active."""
    return (now or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def snapshot_periods(day: datetime.date, fiscal_start_month: int) -> list[Period]:
    """The periods a snapshot taken on `day` covers: month, quarter, year, next quarter."""
    quarter = period_of(PeriodKind.QUARTER, day, fiscal_start_month)
    return [
        period_of(PeriodKind.MONTH, day, fiscal_start_month),
        quarter,
        period_of(PeriodKind.YEAR, day, fiscal_start_month),
        quarter.following(),
    ]


def forecast_snapshot_exists(week: datetime.date) -> bool:
    return ForecastSnapshot.objects.filter(week=week).exists()


def forecast_snapshot_take(
    *, week: datetime.date | None = None, now: datetime.datetime | None = None
) -> int:
    """Write the week's forecast snapshot (once a week); returns the rows written.

    A week that has a snapshot keeps it: a second run the same week writes nothing. `week`
    (any day of it; default the current local week) may name a past week to fill a gap: its
    figures are then the deals as the history rows had them at the end of that Monday.
    """
    now = now or timezone.now()
    today = local_today(now)
    week = week_of(week or today)
    if week > today:
        raise ValidationError(
            {"week": [_("A snapshot cannot be taken for a week that has not begun.")]}
        )
    if forecast_snapshot_exists(week):
        return 0
    with transaction.atomic():
        # The organisation row serialises concurrent takers on PostgreSQL (SQLite's
        # BEGIN IMMEDIATE already does): the second one finds the first one's rows.
        Organization.current()
        organization = Organization.objects.select_for_update().get(pk=1)
        if forecast_snapshot_exists(week):
            return 0
        # The periods of the day taken, kept inside the week when filling a past one.
        day = today if week == week_of(today) else week
        periods = snapshot_periods(day, organization.fiscal_year_start_month)
        # The company's record: no visibility filter.
        if day < today:
            # A past week: each deal's latest history row by the end of the day taken (the
            # rows carry owner, stage, amount, probability, close date and category).
            deals = states_at(Opportunity.objects.all(), day_end(day, ZoneInfo(settings.TIME_ZONE)))
        else:
            deals = Opportunity.objects.all()
        by_period = {period: forecast_by_owner(deals, period) for period in periods}
        owners = set().union(*by_period.values())
        teams = dict(User.objects.filter(pk__in=owners).values_list("pk", "team_id"))
        rows = [
            ForecastSnapshot(
                week=week,
                taken_at=now,
                period_kind=period.kind,
                period_start=period.start,
                owner_id=owner,
                team_id=teams.get(owner),
                closed_won=figures.closed_won,
                commit=figures.commit,
                best_case=figures.best_case,
                pipeline=figures.pipeline,
                weighted=figures.weighted,
            )
            for period, per_owner in by_period.items()
            for owner, figures in sorted(per_owner.items())
        ]
        ForecastSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


# Accuracy of a period ----------------------------------------------------------------------------


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole in percent to one place (half up); None when whole is 0."""
    if not whole:
        return None
    return (100 * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class AccuracyWeek:
    """One week's forecast for the period as it was then, against what is won now."""

    week: datetime.date
    closed_won: Decimal = ZERO
    commit: Decimal = ZERO
    open_best_case: Decimal = ZERO
    open_weighted: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def forecast(self) -> Decimal:
        return self.closed_won + self.commit

    @property
    def best_case(self) -> Decimal:
        return self.forecast + self.open_best_case

    @property
    def weighted(self) -> Decimal:
        return self.closed_won + self.open_weighted

    @property
    def accuracy(self) -> Decimal | None:
        return percent_of(self.actual - abs(self.forecast - self.actual), self.actual)

    @property
    def bias(self) -> Decimal | None:
        return percent_of(self.forecast - self.actual, self.actual)

    def as_dict(self) -> dict:
        """The week's figures by name (the API's and the table's row)."""
        names = ("closed_won", "commit", "forecast", "best_case", "weighted", "actual")
        return {
            "week": self.week,
            **{name: getattr(self, name) for name in names},
            "accuracy": self.accuracy,
            "bias": self.bias,
        }


@dataclass
class ForecastAccuracy:
    """A period's weekly forecasts against its actual, over the owners a user may see."""

    period: Period
    today: datetime.date
    weeks: list[AccuracyWeek] = field(default_factory=list)

    @property
    def is_over(self) -> bool:
        """Whether the period has ended (before that the actual can still grow)."""
        return self.period.end < self.today

    def chart(self) -> dict:
        """The line chart's payload (static/shangji/forecast_accuracy.js)."""
        series = [
            ("forecast", _("Forecast")),
            ("best_case", _("Best case")),
            ("weighted", _("Weighted")),
            ("actual", _("Actual")),
        ]
        return {
            "weeks": [week.week.isoformat() for week in self.weeks],
            "series": [
                {
                    "key": key,
                    "name": str(name),
                    "values": [str(getattr(week, key)) for week in self.weeks],
                }
                for key, name in series
            ],
        }


def forecast_accuracy(
    *, user, period: Period, owner: User | None = None, team: Team | None = None, today=None
) -> ForecastAccuracy:
    """Each snapshot week of `period`: the forecast then and the actual now, summed over the
    owners `user` may see (narrowed to `owner` and to `team`, the snapshot's team)."""
    snapshots = ForecastSnapshot.objects.filter(period_kind=period.kind, period_start=period.start)
    weeks = list(snapshots.values_list("week", flat=True).distinct().order_by("week"))
    scope = read_scope(user)
    mine = snapshots if scope is None else snapshots.filter(scope)
    deals = Opportunity.objects.visible_to(user)
    if owner is not None:
        mine, deals = mine.filter(owner=owner), deals.filter(owner=owner)
    won = {
        owner_id: figures.closed_won
        for owner_id, figures in forecast_by_owner(deals, period).items()
    }
    sums = (
        (mine if team is None else mine.filter(team=team))
        .values("week")
        .annotate(**{name: Sum(name) for name in FIGURES})
        .order_by()
    )
    then = {row["week"]: row for row in sums}
    actual_of = _actual_by_week(mine, won, team) if team is not None else None
    result = ForecastAccuracy(period=period, today=today or timezone.localdate())
    for week in weeks:
        row = then.get(week, {})
        result.weeks.append(
            AccuracyWeek(
                week=week,
                closed_won=to_cents(row.get("closed_won")),
                commit=to_cents(row.get("commit")),
                open_best_case=to_cents(row.get("best_case")),
                open_weighted=to_cents(row.get("weighted")),
                actual=actual_of(week) if actual_of else sum(won.values(), ZERO),
            )
        )
    return result


def _actual_by_week(mine, won: dict[int, Decimal], team: Team):
    """week → what the members of `team` that week have won now.

    A rep belongs to the team of their snapshot row that week; a rep without one that week
    (nothing in the period then) to their team now. So a rep who changed teams counts, in
    each week, where their forecast counted.
    """
    placed: dict[datetime.date, dict[int, int | None]] = {}
    for week, owner_id, team_id in mine.values_list("week", "owner", "team"):
        placed.setdefault(week, {})[owner_id] = team_id
    team_now = dict(User.objects.filter(pk__in=won).values_list("pk", "team_id"))

    def actual(week: datetime.date) -> Decimal:
        teams_then = placed.get(week, {})
        return sum(
            (
                amount
                for owner_id, amount in won.items()
                if teams_then.get(owner_id, team_now.get(owner_id)) == team.pk
            ),
            ZERO,
        )

    return actual


# The filters of the page and the API -----------------------------------------------------------


def snapshot_periods_taken(fiscal_start_month: int) -> list[Period]:
    """The periods that have snapshots, newest first (the period filter's choices)."""
    pairs = ForecastSnapshot.objects.values_list("period_kind", "period_start").distinct()
    order = {PeriodKind.YEAR: 0, PeriodKind.QUARTER: 1, PeriodKind.MONTH: 2}
    periods = [Period(kind, start, fiscal_start_month) for kind, start in pairs.order_by()]
    return sorted(periods, key=lambda p: (-p.start.toordinal(), order.get(p.kind, 3)))


class ForecastAccuracyForm(forms.Form):
    """The accuracy page's and API's filters: period key, team (the snapshot's) and owner."""

    period = forms.CharField(label=gettext_lazy("Period"), required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, label=gettext_lazy("Team")
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Owner")
    )

    def __init__(self, data, *, user, fiscal_start_month: int, periods: list[Period], default):
        data = data.copy()
        data["period"] = (data.get("period") or "").strip() or default.key
        super().__init__(data)
        self.fiscal_start_month = fiscal_start_month
        choices = [(p.key, p.label) for p in periods]
        try:
            chosen = period_parse(data["period"], fiscal_start_month)
        except ValueError:
            chosen = default
        if chosen.key not in {key for key, _label in choices}:
            choices.insert(0, (chosen.key, chosen.label))
        self.fields["period"].widget = forms.Select(choices=choices)
        # Owners whose snapshots the user may see (a rep: only themselves).
        scope = read_scope(user)
        taken = ForecastSnapshot.objects.all()
        if scope is not None:
            taken = taken.filter(scope)
        self.fields["owner"].queryset = User.objects.filter(pk__in=taken.values("owner")).order_by(
            "last_name", "first_name", "username"
        )

    def clean_period(self) -> Period:
        try:
            period = period_parse(self.cleaned_data["period"], self.fiscal_start_month)
            period.end  # noqa: B018 -- a period ending after 9999 is no period
        except ValueError:
            raise ValidationError(
                _("Enter a period such as 2026-11, FY2026-Q3 or FY2026."), code="invalid"
            ) from None
        return period


def forecast_accuracy_get(*, user, params) -> tuple[ForecastAccuracyForm, ForecastAccuracy | None]:
    """The bound filters and the accuracy for `user`; None if the filters are invalid.

    Without a period: the latest fiscal quarter that has ended and has snapshots, else the
    current fiscal quarter.
    """
    fiscal_start_month = Organization.current().fiscal_year_start_month
    today = timezone.localdate()
    periods = snapshot_periods_taken(fiscal_start_month)
    default = next(
        (p for p in periods if p.kind == PeriodKind.QUARTER and p.end < today),
        period_of(PeriodKind.QUARTER, today, fiscal_start_month),
    )
    form = ForecastAccuracyForm(
        params,
        user=user,
        fiscal_start_month=fiscal_start_month,
        periods=periods,
        default=default,
    )
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    accuracy = forecast_accuracy(
        user=user, period=data["period"], owner=data["owner"], team=data["team"], today=today
    )
    return form, accuracy
