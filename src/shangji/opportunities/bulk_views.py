"""Bulk update from the list: the form, the start, and the progress and result page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.errors import field_errors
from shangji.core.exports import export_options, export_response

from . import bulk, selectors
from .forms import BulkUpdateForm
from .models import BulkUpdateJob

# The result page lists this many failures; the rest are in its CSV.
FAILURES_SHOWN = 500


def _list_url(query: str) -> str:
    return reverse("opportunities:opportunity_list") + (f"?{query}" if query else "")


@login_required
def bulk_update_form_view(request):
    """The bulk update form for the list's filters, with how many opportunities they match."""
    params = request.GET.copy()
    filterset = selectors.opportunity_filterset(user=request.user, params=params)
    matching = filterset.qs.count() if filterset.is_valid() else None
    form = BulkUpdateForm(initial={"query": params.urlencode()})
    context = {"form": form, "matching": matching, "list_url": _list_url(params.urlencode())}
    template = (
        "opportunities/partials/bulk_form.html"
        if request.htmx
        else "opportunities/bulk_update_form.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def bulk_update_view(request):
    form = BulkUpdateForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(_list_url(query))
    arguments = {"ids": form.cleaned_data["ids"]}
    if form.cleaned_data["scope"] == "all":
        filterset = selectors.opportunity_filterset(user=request.user, params=QueryDict(query))
        if not filterset.is_valid():
            messages.error(request, _("Fix the filters before a bulk update."))
            return redirect(_list_url(query))
        arguments = {"queryset": filterset.qs}
    try:
        job = bulk.bulk_update_start(
            actor=request.user,
            changes=form.changes(),
            language=translation.get_language(),
            **arguments,
        )
    except ValidationError as error:
        for found in field_errors(error).values():
            for message in found:
                messages.error(request, message)
        return redirect(_list_url(query))
    return redirect(job)


@login_required
def bulk_update_detail_view(request, pk):
    job = get_object_or_404(BulkUpdateJob, pk=pk, created_by=request.user)
    context = {
        "job": job,
        "failures": job.failures[:FAILURES_SHOWN],
        "more_failures": max(0, len(job.failures) - FAILURES_SHOWN),
    }
    template = (
        "opportunities/partials/bulk_progress.html"
        if request.htmx
        else "opportunities/bulk_update_detail.html"
    )
    return render(request, template, context)


@login_required
def bulk_update_failures_view(request, pk):
    """The failed records of a bulk update as CSV or XLSX."""
    job = get_object_or_404(BulkUpdateJob, pk=pk, created_by=request.user)
    file_format, bom = export_options(request.GET)
    return export_response(
        f"bulk-update-{job.pk}-failures",
        [_("Shangji ID"), _("Name"), _("Reason")],
        ([failure["id"], failure["name"], failure["reason"]] for failure in job.failures),
        file_format=file_format,
        bom=bom,
    )
