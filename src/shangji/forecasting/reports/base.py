"""What every report shares: scope, drill-down links, table and chart shapes, rounding.

Every figure is one aggregate query over what a user may see, in the base currency
(`amount_base`). A report is a table (columns, rows, totals) and a chart payload for ECharts
with the drill-down link of every bar or slice.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import BigIntegerField, Func, IntegerField, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from shangji.forecasting.filters import ReportFilter
from shangji.opportunities.choices import LeadSource, StageKind
from shangji.opportunities.models import Opportunity

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
OUTCOMES = (StageKind.WON, StageKind.LOST, StageKind.OPEN)
OUTCOME_COLORS = {StageKind.WON: "#15803d", StageKind.LOST: "#b91c1c", StageKind.OPEN: "#2563eb"}


@dataclass
class Column:
    """A table column; `kind` is text, count, money or percent (how the page formats it)."""

    label: str | Promise
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Report:
    """What a report page shows and its CSV holds: a table, its totals and the chart."""

    columns: list[Column]
    rows: list[list]
    totals: list | None
    chart: dict = field(default_factory=dict)

    def table(self) -> list[list[tuple]]:
        """The rows as (cell, column) pairs, for the page."""
        return [list(zip(row, self.columns, strict=True)) for row in self.rows]

    def total_cells(self) -> list[tuple]:
        return list(zip(self.totals, self.columns, strict=True)) if self.totals else []


@dataclass
class Scope:
    """The filtered opportunities a report aggregates, and the filters its drill-down keeps."""

    queryset: QuerySet
    drill_params: dict[str, list[str]]
    close_date_from: datetime.date | None
    close_date_to: datetime.date | None


class _RequestShim:
    def __init__(self, user):
        self.user = user


def report_filter(*, user, params) -> ReportFilter:
    """The bound report filters over the opportunities `user` may see."""
    queryset = Opportunity.objects.visible_to(user)
    return ReportFilter(params, queryset=queryset, request=_RequestShim(user))


def report_scope(filterset: ReportFilter) -> Scope:
    """The scope of a valid filterset; the list's filters that reproduce it for drill-downs."""
    data = filterset.form.cleaned_data
    params: dict[str, list[str]] = {}
    for name in ("close_date_from", "close_date_to"):
        if data.get(name):
            params[name] = [data[name].isoformat()]
    if owners := data.get("owner"):
        params["owner"] = [str(owner.pk) for owner in owners]
    for name in ("team", "pipeline"):
        if data.get(name) is not None:
            params[name] = [str(data[name].pk)]
    return Scope(
        queryset=filterset.qs.order_by(),
        drill_params=params,
        close_date_from=data.get("close_date_from"),
        close_date_to=data.get("close_date_to"),
    )


def drill_url(scope: Scope, **extra) -> str:
    """The opportunity list with the report's filters and `extra`."""
    params = {**scope.drill_params, **{key: [str(value)] for key, value in extra.items()}}
    url = reverse("opportunities:opportunity_list")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def money_label() -> str:
    return _("Amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}


def lead_source_label(value: str) -> str:
    if not value:
        return _("None")
    return str(LeadSource(value).label) if value in LeadSource.values else value


def weighted_sum(total: Decimal | None) -> Decimal:
    """Σ(amount_base × probability) ÷ 100, rounded once to the cent."""
    return ((total or ZERO) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value) -> Decimal:
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def chart_series(name, values, urls, *, axis=0, stack=None, color=None) -> dict:
    series = {"name": str(name), "values": values, "urls": urls, "axis": axis}
    if stack:
        series["stack"] = stack
    if color:
        series["color"] = color
    return series


def win_rate(won: int, lost: int) -> Decimal | None:
    """Won ÷ closed in percent to one place; None without closed deals."""
    if not won + lost:
        return None
    return (Decimal(100 * won) / (won + lost)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_end(month: datetime.date) -> datetime.date:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_end(month) + datetime.timedelta(days=1)
    return months


def as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Durations in SQL (the history reports) ---------------------------------------------------------

DAY_SECONDS = 86_400
TENTH = Decimal("0.1")


class EpochSeconds(Func):
    """Whole seconds since 1970 of a timestamp, the same integer on SQLite and PostgreSQL.

    Django's DurationField arithmetic is microseconds on SQLite and intervals on PostgreSQL;
    whole seconds sum exactly on both (fractions of a second are dropped).
    """

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime(%s, {sql}) AS INTEGER)", ["%s", *params]

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {sql})) AS BIGINT)", params


class DaysBetween(Func):
    """`later` − `earlier` in whole days, for two dates."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        return (
            f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
            [*later_params, *earlier_params],
        )

    def as_postgresql(self, compiler, connection, **extra):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        return f"({later} - {earlier})", [*later_params, *earlier_params]


def seconds_between(start, end):
    """`end` − `start` in whole seconds, for two timestamps (field names or expressions)."""
    return EpochSeconds(end) - EpochSeconds(start)


def in_days(seconds, count: int = 1) -> Decimal | None:
    """Seconds (a sum over `count` items) as average days to one place; None for no items."""
    if not count or seconds is None:
        return None
    return (Decimal(seconds) / count / DAY_SECONDS).quantize(TENTH, rounding=ROUND_HALF_UP)


def share(part, whole) -> Decimal | None:
    """`part` ÷ `whole` in percent to one place; None when `whole` is zero."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def month_drill(scope: Scope, month: datetime.date, **extra) -> str | None:
    """The list of the deals closing in `month`, clipped to the report's close-date filter."""
    start = max(month, scope.close_date_from or month)
    end = min(month_end(month), scope.close_date_to or month_end(month))
    return drill_url(scope, close_date_from=start, close_date_to=end, **extra)
