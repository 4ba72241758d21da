"""SuiteCRM's four charts: pipeline by stage, lead source, outcome by month, source by outcome."""

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.forecasting.filters import ReportFilter
from shangji.opportunities.choices import StageKind
from shangji.opportunities.filters import NO_LEAD_SOURCE
from shangji.opportunities.models import Stage

from .base import (
    OUTCOME_COLORS,
    OUTCOMES,
    ZERO,
    Column,
    Report,
    Scope,
    as_date,
    chart_series,
    drill_url,
    lead_source_label,
    money_label,
    month_end,
    month_range,
    to_cents,
    weighted_sum,
    win_rate,
)

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
        count, amount = row.get("count", 0), to_cents(row.get("amount"))
        weighted = weighted_sum(row.get("weighted"))
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
    count_series = chart_series(_("Count"), [row[2] for row in rows], urls, axis=1)
    amount_series = chart_series(_("Amount"), [row[3] for row in rows], urls)
    weighted_series = chart_series(_("Weighted amount"), [row[4] for row in rows], urls)
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
        rows.append([lead_source_label(row["lead_source"]), row["count"], to_cents(row["amount"])])
        urls.append(drill_url(scope, lead_source=row["lead_source"] or NO_LEAD_SOURCE))
    totals = [_("Total"), sum(row[1] for row in rows), sum((row[2] for row in rows), ZERO)]
    columns = [
        Column(gettext_lazy("Lead source")),
        Column(gettext_lazy("Count"), "count"),
        Column(money_label(), "money"),
    ]
    amount_series = chart_series(_("Amount"), [row[2] for row in rows], urls)
    count_series = chart_series(_("Count"), [row[1] for row in rows], urls, axis=1)
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


def outcome_by_month(scope: Scope, filterset: ReportFilter) -> Report:
    """Per close month (every month from the first to the last): won, lost and open."""
    figures = {
        (as_date(row["month"]), row["kind"]): row
        for row in scope.queryset.values(month=TruncMonth("close_date"), kind=F("stage__kind"))
        .annotate(count=Count("id"), amount=Sum("amount_base"))
        .order_by()
    }
    present = sorted({month for month, _kind in figures})
    months = month_range(present[0], present[-1]) if present else []
    rows, urls = [], {kind: [] for kind in OUTCOMES}
    for month in months:
        row: list = [date_format(month, "YEAR_MONTH_FORMAT")]
        for kind in OUTCOMES:
            cell = figures.get((month, kind), {})
            row += [cell.get("count", 0), to_cents(cell.get("amount"))]
        row += [row[1] + row[3] + row[5], row[2] + row[4] + row[6]]
        rows.append(row)
        start = max(month, scope.close_date_from or month)
        end = min(month_end(month), scope.close_date_to or month_end(month))
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
                chart_series(
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
        rows.append([lead_source_label(source), won, lost, open_, won + lost + open_])
        rows[-1].append(win_rate(won, lost))
        for kind in OUTCOMES:
            urls[kind].append(
                drill_url(scope, lead_source=source or NO_LEAD_SOURCE, status=kind.value)
            )
    won, lost = sum(row[1] for row in rows), sum(row[2] for row in rows)
    totals = [
        _("Total"),
        won,
        lost,
        sum(row[3] for row in rows),
        sum(row[4] for row in rows),
        win_rate(won, lost),
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
                    chart_series(
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
