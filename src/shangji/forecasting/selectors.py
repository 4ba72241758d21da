"""The report registry: every report's slug, title and builder, and how a page gets one.

Every figure is one aggregate query over the opportunities a user may see (reports/base.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .filters import ReportFilter
from .reports.base import OUTCOMES, Report, Scope, report_filter, report_scope
from .reports.history import slippage, stage_conversion, stage_win_rates, time_in_stage
from .reports.performance import leaderboard, sales_cycle, win_rate_over_time
from .reports.suitecrm import (
    by_lead_source,
    lead_source_by_outcome,
    outcome_by_month,
    pipeline_by_stage,
)

__all__ = ["OUTCOMES", "REPORTS", "Report", "ReportSpec", "report_get"]


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
        ReportSpec(
            "win-rate",
            gettext_lazy("Win rate over time"),
            gettext_lazy("Won and lost deals per close month, by count and by amount."),
            win_rate_over_time,
        ),
        ReportSpec(
            "sales-cycle",
            gettext_lazy("Average sales cycle"),
            gettext_lazy("Days from created to closed, per close month, for won and lost deals."),
            sales_cycle,
        ),
        ReportSpec(
            "time-in-stage",
            gettext_lazy("Time in each stage"),
            gettext_lazy("Where deals get stuck: days spent in each stage, and who is there now."),
            time_in_stage,
        ),
        ReportSpec(
            "slippage",
            gettext_lazy("Close-date slippage"),
            gettext_lazy("Per owner: how often and how far expected close dates were pushed."),
            slippage,
        ),
        ReportSpec(
            "leaderboard",
            gettext_lazy("Rep leaderboard"),
            gettext_lazy("Per owner: won, lost, win rate, open and weighted pipeline."),
            leaderboard,
        ),
        ReportSpec(
            "stage-conversion",
            gettext_lazy("Stage-to-stage conversion"),
            gettext_lazy("How many deals reached each stage of a pipeline and went on past it."),
            stage_conversion,
        ),
        ReportSpec(
            "stage-win-rates",
            gettext_lazy("Historical win rate per stage"),
            gettext_lazy(
                "Stage probabilities calibrated from the team's own win rates: the closed "
                "deals that were ever in each stage, how many were won, beside the "
                "configured probability."
            ),
            stage_win_rates,
        ),
    ]
}


def report_get(*, spec: ReportSpec, user, params) -> tuple[ReportFilter, Report | None]:
    """The bound filters and the report for `user`; no report (None) if the filters are invalid."""
    filterset = report_filter(user=user, params=params)
    if not filterset.is_valid():
        return filterset, None
    return filterset, spec.build(report_scope(filterset), filterset)
