"""The report registry: every report's slug, title and builder, and how a page gets one.

Every figure is one aggregate query over the opportunities a user may see (reports/base.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .filters import ReportFilter
from .reports.base import OUTCOMES, Report, Scope, report_filter, report_scope
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
    ]
}


def report_get(*, spec: ReportSpec, user, params) -> tuple[ReportFilter, Report | None]:
    """The bound filters and the report for `user`; no report (None) if the filters are invalid."""
    filterset = report_filter(user=user, params=params)
    if not filterset.is_valid():
        return filterset, None
    return filterset, spec.build(report_scope(filterset), filterset)
