"""Report pages: the index, each report with its filters, chart and table, and its CSV."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.audit.services import audited_export
from shangji.core.exports import export_options, export_response
from shangji.core.views import query_string

from . import selectors


def _spec(slug: str) -> selectors.ReportSpec:
    spec = selectors.REPORTS.get(slug)
    if spec is None:
        raise Http404
    return spec


@login_required
def report_list_view(request):
    return render(request, "forecasting/report_list.html", {"reports": selectors.REPORTS.values()})


@login_required
def report_detail_view(request, slug):
    spec = _spec(slug)
    filterset, report = selectors.report_get(spec=spec, user=request.user, params=request.GET)
    context = {
        "spec": spec,
        "filter": filterset,
        "report": report,
        "export_url": query_string(request.GET),
    }
    return render(request, "forecasting/report_detail.html", context)


@login_required
def report_export_view(request, slug):
    spec = _spec(slug)
    _filterset, report = selectors.report_get(spec=spec, user=request.user, params=request.GET)
    if report is None:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("forecasting:report_detail", slug=slug)
    header = [str(column.label) for column in report.columns]
    rows = [*report.rows, report.totals] if report.totals else report.rows
    file_format, bom = export_options(request.GET)  # ?format=xlsx, ?bom=0
    rows = audited_export(
        rows,
        actor=request.user,
        export=f"report:{slug}",
        file_format=file_format,
        filters=request.GET,
    )
    stem = f"{slug}-{timezone.localdate():%Y%m%d}"
    return export_response(stem, header, rows, file_format=file_format, bom=bom)
