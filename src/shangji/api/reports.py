"""/reports/{slug}: each report's table as JSON, from the report pages' own selector.

Thin on purpose: the query string goes to the same ReportFilter and report builder as the
report page (forecasting.selectors.report_get), so every figure equals the page's.
"""

from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.functional import Promise
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from shangji.forecasting import selectors
from shangji.opportunities.choices import StageKind

from .errors import READ_ERRORS
from .schemas import ValidationErrorOut

router = Router(tags=["reports"])

SLUGS = list(selectors.REPORTS)

# Filters arrive as text and are validated by the report page's FilterSet, so any invalid one
# is a 400 with field errors (as on the page), never a schema error.
DateParam = Annotated[str | None, WithJsonSchema({"type": "string", "format": "date"})]
IdParam = Annotated[str | None, WithJsonSchema({"type": "integer"})]
IdsParam = Annotated[list[str], WithJsonSchema({"type": "array", "items": {"type": "integer"}})]

# A cell: text, a count, a decimal string (money, percent) or null (no value).
Cell = Annotated[
    str | int | None,
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
]


class ReportQuery(Schema):
    """The report pages' filters (forecasting.filters.ReportFilter)."""

    close_date_from: DateParam = Field(None, description="Expected close date on or after.")
    close_date_to: DateParam = Field(None, description="Expected close date on or before.")
    owner: IdsParam = Field([], description="Owner ids (repeat the parameter for several).")
    team: IdParam = Field(None, description="Team id: opportunities owned by its members.")
    pipeline: IdParam = Field(None, description="Pipeline id.")


class ReportColumnOut(Schema):
    label: str
    kind: str = Field(description="text, count, money (decimal string) or percent.")


class ReportRowOut(Schema):
    cells: list[Cell] = Field(description="One value per column; decimals as strings.")
    drill_url: str | None = Field(
        description="The opportunity list showing this row's deals; null when the row has "
        "one link per outcome (drill_urls)."
    )
    drill_urls: dict[str, str | None] | None = Field(
        description="Per outcome (won, lost, open) on the outcome reports; null otherwise."
    )


class ReportOut(Schema):
    slug: str
    title: str
    description: str
    columns: list[ReportColumnOut]
    rows: list[ReportRowOut]
    totals: list[Cell] | None


def _cell(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def _row_links(report: selectors.Report, index: int) -> tuple[str | None, dict | None]:
    """The drill-down link(s) of row `index`, as the page's chart carries them."""
    series = report.chart["views"][0]["series"] if report.chart.get("views") else []
    if any(item.get("stack") == "outcome" for item in series):
        # One series per outcome, in the selector's OUTCOMES order.
        kinds = [StageKind(kind).value for kind in selectors.OUTCOMES]
        return None, {kind: item["urls"][index] for kind, item in zip(kinds, series, strict=True)}
    return (series[0]["urls"][index] if series else None), None


@router.get(
    "/reports/{slug}",
    response={200: ReportOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="A report's table",
    description="The table of one report (" + ", ".join(SLUGS) + ") over the opportunities "
    "the caller may see, filtered like the report page: its columns, rows (with the "
    "drill-down link of each) and totals. Amounts are in the base currency.",
)
def get_report(request, slug: str, filters: Query[ReportQuery]):
    spec = selectors.REPORTS.get(slug)
    if spec is None:
        raise Http404
    filterset, report = selectors.report_get(spec=spec, user=request.auth, params=request.GET)
    if report is None:
        raise ValidationError(filterset.form.errors.as_data())
    return report_data(spec.slug, report)


def report_data(slug: str, report: selectors.Report | None) -> dict | None:
    """A built report as the API answers it (None stays None)."""
    if report is None:
        return None
    spec = selectors.REPORTS[slug]
    rows = []
    for index, row in enumerate(report.rows):
        drill_url, drill_urls = _row_links(report, index)
        rows.append(
            {"cells": [_cell(v) for v in row], "drill_url": drill_url, "drill_urls": drill_urls}
        )
    return {
        "slug": spec.slug,
        "title": str(spec.title),
        "description": str(spec.description),
        "columns": [{"label": str(c.label), "kind": c.kind} for c in report.columns],
        "rows": rows,
        "totals": [_cell(v) for v in report.totals] if report.totals else None,
    }
