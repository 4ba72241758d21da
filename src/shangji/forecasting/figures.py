"""The forecast figures of a period per owner: one grouped query, shared by the forecast page,
the API, the dashboards and the weekly snapshots.

A deal counts in the period its expected close date falls in. Closed won is what was won;
commit, best case and pipeline are the open deals by forecast category (an open deal marked
Closed counts as commit; Omitted counts nowhere); weighted is Σ(amount × probability) over the
open deals that are not omitted. Amounts are in the base currency, rounded once to the cent.
"""

from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import DecimalField, F, Q, QuerySet, Sum

from shangji.opportunities.choices import ForecastCategory, StageKind

from .periods import Period
from .reports.base import ZERO, to_cents, weighted_sum

_OPEN = Q(stage__kind=StageKind.OPEN)


@dataclass
class ForecastFigures:
    """One owner's (or a roll-up's) forecast for a period, in the base currency."""

    closed_won: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO

    @property
    def open_pipeline(self) -> Decimal:
        """Everything still open and not omitted."""
        return self.commit + self.best_case + self.pipeline

    def __add__(self, other: "ForecastFigures") -> "ForecastFigures":
        return ForecastFigures(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )


def forecast_by_owner(queryset: QuerySet, period: Period) -> dict[int, ForecastFigures]:
    """Owner id → figures for the deals of `queryset` closing in `period` (one query)."""
    rows = (
        queryset.filter(close_date__range=(period.start, period.end))
        .values("owner")
        .annotate(
            closed_won=Sum("amount_base", filter=Q(stage__kind=StageKind.WON)),
            commit=Sum(
                "amount_base",
                filter=_OPEN
                & Q(forecast_category__in=[ForecastCategory.COMMIT, ForecastCategory.CLOSED]),
            ),
            best_case=Sum(
                "amount_base", filter=_OPEN & Q(forecast_category=ForecastCategory.BEST_CASE)
            ),
            pipeline=Sum(
                "amount_base", filter=_OPEN & Q(forecast_category=ForecastCategory.PIPELINE)
            ),
            weighted=Sum(
                F("amount_base") * F("probability"),
                filter=_OPEN & ~Q(forecast_category=ForecastCategory.OMITTED),
                output_field=DecimalField(max_digits=30, decimal_places=4),
            ),
        )
        .order_by()
    )
    return {
        row["owner"]: ForecastFigures(
            closed_won=to_cents(row["closed_won"]),
            commit=to_cents(row["commit"]),
            best_case=to_cents(row["best_case"]),
            pipeline=to_cents(row["pipeline"]),
            weighted=weighted_sum(row["weighted"]),
        )
        for row in rows
    }
