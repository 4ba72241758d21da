"""How the team closes: win rate over time, the sales cycle and the rep leaderboard.

Each is one grouped query over the opportunities in scope (see base.py); a month is the
expected close date's month, so the drill-down lists exactly the deals a bar counts.
"""

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.core.names import person_name
from shangji.forecasting.filters import ReportFilter
from shangji.opportunities.choices import StageKind

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
    in_days,
    money_label,
    month_drill,
    month_range,
    seconds_between,
    share,
    to_cents,
    weighted_sum,
    win_rate,
)

WON = Q(stage__kind=StageKind.WON)
LOST = Q(stage__kind=StageKind.LOST)
OPEN = Q(stage__kind=StageKind.OPEN)
RATE_COLOR = "#7c3aed"


def _months(figures: dict) -> list:
    present = sorted(figures)
    return month_range(present[0], present[-1]) if present else []


def _line(name, values, urls, *, axis=0) -> dict:
    """A line over the bars (reports.js draws a series of type "line" as one)."""
    return {**chart_series(name, values, urls, axis=axis, color=RATE_COLOR), "type": "line"}


# 1. Win rate over time -------------------------------------------------------------------------


def win_rate_over_time(scope: Scope, filterset: ReportFilter) -> Report:
    """Per close month of the closed deals: won and lost by count and amount, and the win rates."""
    figures = {
        as_date(row["month"]): row
        for row in scope.queryset.exclude(OPEN)
        .values(month=TruncMonth("close_date"))
        .annotate(
            won=Count("id", filter=WON),
            lost=Count("id", filter=LOST),
            won_amount=Sum("amount_base", filter=WON),
            lost_amount=Sum("amount_base", filter=LOST),
        )
        .order_by()
    }
    rows, urls = [], {"closed": [], StageKind.WON: [], StageKind.LOST: []}
    for month in _months(figures):
        row = figures.get(month, {})
        won, lost = row.get("won", 0), row.get("lost", 0)
        won_amount, lost_amount = to_cents(row.get("won_amount")), to_cents(row.get("lost_amount"))
        rows.append(
            [
                date_format(month, "YEAR_MONTH_FORMAT"),
                won,
                lost,
                win_rate(won, lost),
                won_amount,
                lost_amount,
                share(won_amount, won_amount + lost_amount),
            ]
        )
        for status in urls:
            urls[status].append(month_drill(scope, month, status=status))
    won, lost = sum(row[1] for row in rows), sum(row[2] for row in rows)
    won_amount, lost_amount = (
        sum((row[4] for row in rows), ZERO),
        sum((row[5] for row in rows), ZERO),
    )
    totals = [
        _("Total"),
        won,
        lost,
        win_rate(won, lost),
        won_amount,
        lost_amount,
        share(won_amount, won_amount + lost_amount),
    ]
    columns = [
        Column(gettext_lazy("Close month")),
        Column(gettext_lazy("Won"), "count"),
        Column(gettext_lazy("Lost"), "count"),
        Column(gettext_lazy("Win rate by count (%)"), "percent"),
        Column(_("Won amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}, "money"),
        Column(_("Lost amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}, "money"),
        Column(gettext_lazy("Win rate by amount (%)"), "percent"),
    ]

    def view(label, offset, axis_label) -> dict:
        # The rate first: a row's own link (the API's) is then all the month's closed deals.
        return {
            "label": label,
            "type": "bar",
            "axes": [axis_label, _("Win rate (%)")],
            "percent_axis": 1,
            "series": [
                _line(_("Win rate (%)"), [row[offset + 2] for row in rows], urls["closed"], axis=1),
                chart_series(
                    StageKind.WON.label,
                    [row[offset] for row in rows],
                    urls[StageKind.WON],
                    color=OUTCOME_COLORS[StageKind.WON],
                ),
                chart_series(
                    StageKind.LOST.label,
                    [row[offset + 1] for row in rows],
                    urls[StageKind.LOST],
                    color=OUTCOME_COLORS[StageKind.LOST],
                ),
            ],
        }

    chart = {
        "categories": [row[0] for row in rows],
        "views": [view(_("Counts"), 1, _("Count")), view(_("Amounts"), 4, money_label())],
    }
    return Report(columns, rows, totals, chart)


# 2. Average sales cycle ------------------------------------------------------------------------


def sales_cycle(scope: Scope, filterset: ReportFilter) -> Report:
    """Per close month of the closed deals: how many days from created to closed, on average."""
    duration = seconds_between("created_at", "closed_at")
    figures = {
        as_date(row["month"]): row
        for row in scope.queryset.exclude(OPEN)
        .filter(closed_at__isnull=False)
        .values(month=TruncMonth("close_date"))
        .annotate(
            won=Count("id", filter=WON),
            won_seconds=Sum(duration, filter=WON),
            lost=Count("id", filter=LOST),
            lost_seconds=Sum(duration, filter=LOST),
        )
        .order_by()
    }
    rows, sums, urls = [], [], {"closed": [], StageKind.WON: [], StageKind.LOST: []}
    for month in _months(figures):
        row = figures.get(month, {})
        won, lost = row.get("won", 0), row.get("lost", 0)
        won_seconds, lost_seconds = row.get("won_seconds") or 0, row.get("lost_seconds") or 0
        sums.append((won_seconds, lost_seconds))
        rows.append(
            [
                date_format(month, "YEAR_MONTH_FORMAT"),
                won,
                in_days(won_seconds, won),
                lost,
                in_days(lost_seconds, lost),
                won + lost,
                in_days(won_seconds + lost_seconds, won + lost),
            ]
        )
        for status in urls:
            urls[status].append(month_drill(scope, month, status=status))
    won, lost = sum(row[1] for row in rows), sum(row[3] for row in rows)
    won_seconds, lost_seconds = sum(pair[0] for pair in sums), sum(pair[1] for pair in sums)
    totals = [
        _("Total"),
        won,
        in_days(won_seconds, won),
        lost,
        in_days(lost_seconds, lost),
        won + lost,
        in_days(won_seconds + lost_seconds, won + lost),
    ]
    columns = [
        Column(gettext_lazy("Close month")),
        Column(gettext_lazy("Won"), "count"),
        Column(gettext_lazy("Won: average days"), "days"),
        Column(gettext_lazy("Lost"), "count"),
        Column(gettext_lazy("Lost: average days"), "days"),
        Column(gettext_lazy("Closed"), "count"),
        Column(gettext_lazy("Closed: average days"), "days"),
    ]
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Average days"),
                "type": "bar",
                "axes": [_("Days")],
                "series": [
                    _line(_("All closed"), [row[6] for row in rows], urls["closed"]),
                    chart_series(
                        StageKind.WON.label,
                        [row[2] for row in rows],
                        urls[StageKind.WON],
                        color=OUTCOME_COLORS[StageKind.WON],
                    ),
                    chart_series(
                        StageKind.LOST.label,
                        [row[4] for row in rows],
                        urls[StageKind.LOST],
                        color=OUTCOME_COLORS[StageKind.LOST],
                    ),
                ],
            }
        ],
    }
    return Report(columns, rows, totals, chart)


# 5. Rep leaderboard ----------------------------------------------------------------------------


def owner_label(row: dict) -> str:
    """An owner's display name from the values() of a grouped query."""
    name = person_name(row["owner__first_name"], row["owner__last_name"])
    return name or row["owner__username"]


OWNER_FIELDS = ("owner", "owner__first_name", "owner__last_name", "owner__username")


def leaderboard(scope: Scope, filterset: ReportFilter) -> Report:
    """Per owner: won, lost, win rate, open pipeline and weighted; the most won amount first."""
    figures = list(
        scope.queryset.values(*OWNER_FIELDS)
        .annotate(
            won=Count("id", filter=WON),
            won_amount=Sum("amount_base", filter=WON),
            lost=Count("id", filter=LOST),
            open=Count("id", filter=OPEN),
            open_amount=Sum("amount_base", filter=OPEN),
            weighted=Sum(
                F("amount_base") * F("probability"),
                filter=OPEN,
                output_field=DecimalField(max_digits=30, decimal_places=4),
            ),
        )
        .order_by()
    )
    for row in figures:
        row["label"] = owner_label(row)
        row["won_amount"] = to_cents(row["won_amount"])
    figures.sort(key=lambda row: (-row["won_amount"], -row["won"], row["label"], row["owner"]))
    rows, urls = [], {kind: [] for kind in OUTCOMES}
    for row in figures:
        won_amount = row["won_amount"]
        average = to_cents(won_amount / row["won"]) if row["won"] else None
        rows.append(
            [
                row["label"],
                row["won"],
                won_amount,
                row["lost"],
                win_rate(row["won"], row["lost"]),
                row["open"],
                to_cents(row["open_amount"]),
                weighted_sum(row["weighted"]),
                average,
            ]
        )
        for kind in OUTCOMES:
            urls[kind].append(drill_url(scope, owner=row["owner"], status=kind.value))
    won, won_amount = sum(row[1] for row in rows), sum((row[2] for row in rows), ZERO)
    lost = sum(row[3] for row in rows)
    totals = [
        _("Total"),
        won,
        won_amount,
        lost,
        win_rate(won, lost),
        sum(row[5] for row in rows),
        sum((row[6] for row in rows), ZERO),
        sum((row[7] for row in rows), ZERO),
        to_cents(won_amount / won) if won else None,
    ]
    currency = {"currency": settings.BASE_CURRENCY}
    columns = [
        Column(gettext_lazy("Owner")),
        Column(gettext_lazy("Won"), "count"),
        Column(_("Won amount (%(currency)s)") % currency, "money"),
        Column(gettext_lazy("Lost"), "count"),
        Column(gettext_lazy("Win rate (%)"), "percent"),
        Column(gettext_lazy("Open"), "count"),
        Column(_("Open pipeline (%(currency)s)") % currency, "money"),
        Column(_("Weighted pipeline (%(currency)s)") % currency, "money"),
        Column(_("Average won deal (%(currency)s)") % currency, "money"),
    ]
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Amounts"),
                "type": "bar",
                "axes": [money_label()],
                "series": [
                    chart_series(
                        _("Won amount"),
                        [row[2] for row in rows],
                        urls[StageKind.WON],
                        color=OUTCOME_COLORS[StageKind.WON],
                    ),
                    chart_series(
                        _("Open pipeline"), [row[6] for row in rows], urls[StageKind.OPEN]
                    ),
                    chart_series(
                        _("Weighted pipeline"), [row[7] for row in rows], urls[StageKind.OPEN]
                    ),
                ],
            },
            {
                "label": _("Counts"),
                "type": "bar",
                "axes": [_("Count")],
                "series": [
                    chart_series(
                        kind.label,
                        [row[offset] for row in rows],
                        urls[kind],
                        stack="deals",
                        color=OUTCOME_COLORS[kind],
                    )
                    for kind, offset in [
                        (StageKind.WON, 1),
                        (StageKind.LOST, 3),
                        (StageKind.OPEN, 5),
                    ]
                ],
            },
        ],
    }
    return Report(columns, rows, totals, chart)
