"""Report shapes: every figure is one aggregate query over the opportunities a user may see.

Amounts are in the base currency (`amount_base`). A report is a table (columns, rows, totals)
and a chart payload for ECharts with the drill-down link of every bar or slice.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.opportunities.choices import LeadSource, StageKind
from shangji.opportunities.models import Opportunity, Stage
from shangji.users.models import User

from .filters import ReportFilter

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
    drill_params: dict[str, list[str]] | None
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
    if data.get("pipeline"):
        params["pipeline"] = [str(data["pipeline"].pk)]
    owners = list(data.get("owner") or [])
    team = data.get("team")
    if team is not None:
        # The list has no team filter: a team becomes its members (those the owner filter
        # offers, the active users), narrowed to the chosen owners if any.
        if owners:
            owners = [owner for owner in owners if owner.team_id == team.pk]
        else:
            owners = list(User.objects.filter(team=team, is_active=True).only("pk"))
    if owners:
        params["owner"] = [str(owner.pk) for owner in owners]
    return Scope(
        queryset=filterset.qs.order_by(),
        # A team without (chosen) active members: the list has no filter that shows its deals.
        drill_params=None if team is not None and not owners else params,
        close_date_from=data.get("close_date_from"),
        close_date_to=data.get("close_date_to"),
    )


def drill_url(scope: Scope, **extra) -> str | None:
    """The opportunity list with the report's filters and `extra`; None if it cannot show it."""
    if scope.drill_params is None:
        return None
    params = {**scope.drill_params, **{key: [str(value)] for key, value in extra.items()}}
    url = reverse("opportunities:opportunity_list")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def money_label() -> str:
    return _("Amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}


def _lead_source_label(value: str) -> str:
    if not value:
        return _("None")
    return str(LeadSource(value).label) if value in LeadSource.values else value


def _weighted(total: Decimal | None) -> Decimal:
    """Σ(amount_base × probability) ÷ 100, rounded once to the cent."""
    return ((total or ZERO) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def _series(name, values, urls, *, axis=0, stack=None, color=None) -> dict:
    series = {"name": str(name), "values": values, "urls": urls, "axis": axis}
    if stack:
        series["stack"] = stack
    if color:
        series["color"] = color
    return series


# 1. Pipeline by stage --------------------------------------------------------------------------


def pipeline_by_stage(scope: Scope, filterset: ReportFilter) -> Report:
    """Open opportunities per stage, in stage order: count, amount and weighted amount."""
    figures = {
        row["stage"]: row
        for row in scope.queryset.open()
        .values("stage")
        .annotate(
            count=Count("id"),
            amount=Sum("amount_base"),
            weighted=Sum(
                F("amount_base") * F("probability"),
                output_field=DecimalField(max_digits=30, decimal_places=4),
            ),
        )
        .order_by()
    }
    # Every active open stage shows (zero when empty); a retired stage only while deals sit in it.
    in_scope = Q(is_active=True, kind=StageKind.OPEN)
    if pipeline := filterset.form.cleaned_data.get("pipeline"):
        in_scope &= Q(pipeline=pipeline)
    stages = list(
        Stage.objects.filter(in_scope | Q(pk__in=list(figures)))
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )
    several_pipelines = len({stage.pipeline_id for stage in stages}) > 1
    rows, categories, urls = [], [], []
    for stage in stages:
        row = figures.get(stage.pk, {})
        label = f"{stage.pipeline.label} · {stage.label}" if several_pipelines else stage.label
        if not stage.is_active:
            label = _("%(stage)s (retired)") % {"stage": label}
        count, amount = row.get("count", 0), _money(row.get("amount"))
        weighted = _weighted(row.get("weighted"))
        rows.append([label, stage.probability, count, amount, weighted])
        categories.append(label)
        urls.append(drill_url(scope, stage=stage.pk, status="open"))
    totals = [
        _("Total"),
        None,
        sum(row[2] for row in rows),
        sum((row[3] for row in rows), ZERO),
        sum((row[4] for row in rows), ZERO),
    ]
    columns = [
        Column(gettext_lazy("Stage")),
        Column(gettext_lazy("Probability (%)"), "count"),
        Column(gettext_lazy("Count"), "count"),
        Column(money_label(), "money"),
        Column(_("Weighted amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}, "money"),
    ]
    count_series = _series(_("Count"), [row[2] for row in rows], urls, axis=1)
    amount_series = _series(_("Amount"), [row[3] for row in rows], urls)
    weighted_series = _series(_("Weighted amount"), [row[4] for row in rows], urls)
    chart = {
        "categories": categories,
        "views": [
            {
                "label": _("Bar chart"),
                "type": "bar",
                "axes": [money_label(), _("Count")],
                "series": [amount_series, weighted_series, count_series],
            },
            {"label": _("Funnel"), "type": "funnel", "series": [amount_series]},
        ],
    }
    return Report(columns, rows, totals, chart)


# 2. Opportunities by lead source ----------------------------------------------------------------


def by_lead_source(scope: Scope, filterset: ReportFilter) -> Report:
    """Count and amount per lead source, "none" included, the largest amount first."""
    figures = list(
        scope.queryset.values("lead_source")
        .annotate(count=Count("id"), amount=Sum("amount_base"))
        .order_by("-amount", "lead_source")
    )
    rows, urls = [], []
    for row in figures:
        rows.append([_lead_source_label(row["lead_source"]), row["count"], _money(row["amount"])])
        # The list cannot filter for "no lead source", so that bar has no drill-down.
        source = row["lead_source"]
        urls.append(drill_url(scope, lead_source=source) if source else None)
    totals = [_("Total"), sum(row[1] for row in rows), sum((row[2] for row in rows), ZERO)]
    columns = [
        Column(gettext_lazy("Lead source")),
        Column(gettext_lazy("Count"), "count"),
        Column(money_label(), "money"),
    ]
    amount_series = _series(_("Amount"), [row[2] for row in rows], urls)
    count_series = _series(_("Count"), [row[1] for row in rows], urls, axis=1)
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Bar chart"),
                "type": "bar",
                "axes": [money_label(), _("Count")],
                "series": [amount_series, count_series],
            },
            {"label": _("Pie chart"), "type": "pie", "series": [amount_series]},
        ],
    }
    return Report(columns, rows, totals, chart)


# 3. Outcome by month ---------------------------------------------------------------------------


def _month_end(month: datetime.date) -> datetime.date:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _month_end(month) + datetime.timedelta(days=1)
    return months


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def outcome_by_month(scope: Scope, filterset: ReportFilter) -> Report:
    """Per close month (every month from the first to the last): won, lost and open."""
    figures = {
        (_as_date(row["month"]), row["kind"]): row
        for row in scope.queryset.values(month=TruncMonth("close_date"), kind=F("stage__kind"))
        .annotate(count=Count("id"), amount=Sum("amount_base"))
        .order_by()
    }
    present = sorted({month for month, _kind in figures})
    months = _months(present[0], present[-1]) if present else []
    rows, urls = [], {kind: [] for kind in OUTCOMES}
    for month in months:
        row: list = [date_format(month, "YEAR_MONTH_FORMAT")]
        for kind in OUTCOMES:
            cell = figures.get((month, kind), {})
            row += [cell.get("count", 0), _money(cell.get("amount"))]
        row += [row[1] + row[3] + row[5], row[2] + row[4] + row[6]]
        rows.append(row)
        start = max(month, scope.close_date_from or month)
        end = min(_month_end(month), scope.close_date_to or _month_end(month))
        for kind in OUTCOMES:
            urls[kind].append(
                drill_url(scope, close_date_from=start, close_date_to=end, status=kind.value)
            )
    totals = [_("Total")] + [
        sum((row[index] for row in rows), ZERO if index % 2 == 0 else 0) for index in range(1, 9)
    ]
    labels = {kind: kind.label for kind in OUTCOMES}
    columns = [Column(gettext_lazy("Close month"))]
    for kind in OUTCOMES:
        columns += [
            Column(_("%(outcome)s: count") % {"outcome": labels[kind]}, "count"),
            Column(_("%(outcome)s: amount") % {"outcome": labels[kind]}, "money"),
        ]
    columns += [Column(gettext_lazy("Total count"), "count"), Column(money_label(), "money")]
    offsets = {StageKind.WON: 1, StageKind.LOST: 3, StageKind.OPEN: 5}

    def stacked(measure: int, axis_label: str) -> dict:
        return {
            "label": _("Amounts") if measure else _("Counts"),
            "type": "bar",
            "axes": [axis_label],
            "series": [
                _series(
                    labels[kind],
                    [row[offsets[kind] + measure] for row in rows],
                    urls[kind],
                    stack="outcome",
                    color=OUTCOME_COLORS[kind],
                )
                for kind in OUTCOMES
            ],
        }

    chart = {
        "categories": [row[0] for row in rows],
        "views": [stacked(1, money_label()), stacked(0, _("Count"))],
    }
    return Report(columns, rows, totals, chart)


# 4. Lead source by outcome ---------------------------------------------------------------------


def lead_source_by_outcome(scope: Scope, filterset: ReportFilter) -> Report:
    """Per lead source: won, lost and open counts, and the win rate over closed deals."""
    figures = {
        (row["lead_source"], row["kind"]): row["count"]
        for row in scope.queryset.values("lead_source", kind=F("stage__kind"))
        .annotate(count=Count("id"))
        .order_by()
    }
    sources = sorted(
        {source for source, _kind in figures},
        key=lambda source: (-sum(figures.get((source, kind), 0) for kind in OUTCOMES), source),
    )
    rows, urls = [], {kind: [] for kind in OUTCOMES}
    for source in sources:
        won, lost, open_ = (figures.get((source, kind), 0) for kind in OUTCOMES)
        rows.append([_lead_source_label(source), won, lost, open_, won + lost + open_])
        rows[-1].append(_win_rate(won, lost))
        for kind in OUTCOMES:
            urls[kind].append(
                drill_url(scope, lead_source=source, status=kind.value) if source else None
            )
    won, lost = sum(row[1] for row in rows), sum(row[2] for row in rows)
    totals = [
        _("Total"),
        won,
        lost,
        sum(row[3] for row in rows),
        sum(row[4] for row in rows),
        _win_rate(won, lost),
    ]
    columns = [
        Column(gettext_lazy("Lead source")),
        Column(StageKind.WON.label, "count"),
        Column(StageKind.LOST.label, "count"),
        Column(StageKind.OPEN.label, "count"),
        Column(gettext_lazy("Total count"), "count"),
        Column(gettext_lazy("Win rate (%)"), "percent"),
    ]
    offsets = {StageKind.WON: 1, StageKind.LOST: 2, StageKind.OPEN: 3}
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Counts"),
                "type": "bar",
                "axes": [_("Count")],
                "series": [
                    _series(
                        kind.label,
                        [row[offsets[kind]] for row in rows],
                        urls[kind],
                        stack="outcome",
                        color=OUTCOME_COLORS[kind],
                    )
                    for kind in OUTCOMES
                ],
            }
        ],
    }
    return Report(columns, rows, totals, chart)


def _win_rate(won: int, lost: int) -> Decimal | None:
    """Won ÷ closed in percent to one place; None without closed deals."""
    if not won + lost:
        return None
    return (Decimal(100 * won) / (won + lost)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# The reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    """A report: its URL slug, title, one-line description and the function that builds it."""

    slug: str
    title: Promise
    description: Promise
    build: Callable[[Scope, ReportFilter], Report]


REPORTS = {
    spec.slug: spec
    for spec in [
        ReportSpec(
            "pipeline-by-stage",
            gettext_lazy("Pipeline by stage"),
            gettext_lazy("Open opportunities per stage: count, amount and weighted amount."),
            pipeline_by_stage,
        ),
        ReportSpec(
            "lead-sources",
            gettext_lazy("Opportunities by lead source"),
            gettext_lazy("How many opportunities, and how much, each lead source brings."),
            by_lead_source,
        ),
        ReportSpec(
            "outcome-by-month",
            gettext_lazy("Outcome by month"),
            gettext_lazy("Won, lost and open opportunities per expected close month."),
            outcome_by_month,
        ),
        ReportSpec(
            "lead-source-outcome",
            gettext_lazy("Lead source by outcome"),
            gettext_lazy("Won, lost and open opportunities per lead source, with the win rate."),
            lead_source_by_outcome,
        ),
    ]
}


def report_get(*, spec: ReportSpec, user, params) -> tuple[ReportFilter, Report | None]:
    """The bound filters and the report for `user`; no report (None) if the filters are invalid."""
    filterset = report_filter(user=user, params=params)
    if not filterset.is_valid():
        return filterset, None
    return filterset, spec.build(report_scope(filterset), filterset)
