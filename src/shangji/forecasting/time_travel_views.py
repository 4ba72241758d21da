"""Time-travel pages: the pipeline on a past day, what changed between two days, their CSVs."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from shangji.core.exports import csv_response
from shangji.core.views import query_string

from . import time_travel
from .time_travel import CATEGORIES, PipelineChanges, PipelineOn

EXPORT_PAGE_SIZE = 500


def _previous_month_end(today: datetime.date) -> datetime.date:
    return today.replace(day=1) - datetime.timedelta(days=1)


def _with_defaults(params, **defaults):
    """The query with default days when none of the day fields was sent."""
    if any(name in params for name in defaults):
        return params
    query = params.copy()
    for name, day in defaults.items():
        query[name] = day.isoformat()
    return query


def _pipeline_on(request):
    today = time_travel.user_today(request.user)
    params = _with_defaults(request.GET, date=_previous_month_end(today))
    return params, *time_travel.pipeline_on_get(user=request.user, params=params)


def _pipeline_changes(request):
    today = time_travel.user_today(request.user)
    params = _with_defaults(request.GET, **{"from": _previous_month_end(today), "to": today})
    return params, *time_travel.pipeline_changes_get(user=request.user, params=params)


def _money(label) -> str:
    return _("%(label)s (%(currency)s)") % {"label": label, "currency": settings.BASE_CURRENCY}


# The pipeline on a day -------------------------------------------------------------------------


@login_required
def pipeline_on_view(request):
    params, bound, report = _pipeline_on(request)
    context = {
        "form": bound.form,
        "filter": bound.filter,
        "report": report,
        "query": query_string(params),
        "amount_label": _money(_("Amount")),
        "weighted_label": _money(_("Weighted")),
    }
    return render(request, "forecasting/pipeline_on.html", context)


def pipeline_on_table(report: PipelineOn) -> tuple[list[str], list[list]]:
    """The CSV's header and rows: then, now and the change, per line."""
    day = report.day.isoformat()
    header = [
        _("Stage"),
        _("Count on %(day)s") % {"day": day},
        _money(_("Amount on %(day)s") % {"day": day}),
        _money(_("Weighted on %(day)s") % {"day": day}),
        _("Count now"),
        _money(_("Amount now")),
        _money(_("Weighted now")),
        _("Count change"),
        _money(_("Amount change")),
    ]
    rows = [
        [
            line.label,
            line.then.count,
            line.then.amount,
            line.then.weighted,
            line.now.count,
            line.now.amount,
            line.now.weighted,
            line.count_change,
            line.amount_change,
        ]
        for line in report.lines()
    ]
    return header, rows


@login_required
def pipeline_on_export_view(request):
    _params, _bound, report = _pipeline_on(request)
    if report is None:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("forecasting:pipeline_on")
    header, rows = pipeline_on_table(report)
    return csv_response(f"pipeline-on-{report.day:%Y%m%d}.csv", header, rows)


# What changed between two days -----------------------------------------------------------------


@login_required
def pipeline_changes_view(request):
    params, bound, changes = _pipeline_changes(request)
    category = request.GET.get("category")
    context = {
        "form": bound.form,
        "filter": bound.filter,
        "changes": changes,
        "query": query_string(params, category=None, cursor=None),
        "amount_label": _money(_("Amount")),
        "change_label": _money(_("Amount change")),
        "category": category if category in CATEGORIES else None,
    }
    if changes is not None:
        if context["category"]:
            try:
                pages = time_travel.changed_deals(
                    changes, [category], cursor=request.GET.get("cursor") or None
                )
            except ValueError:
                pages = time_travel.changed_deals(changes, [category])
        else:
            keys = [item.key for item in changes.categories if item.count]
            pages = time_travel.changed_deals(changes, keys)
        context["rows"] = [
            (item, query_string(params, category=item.key, cursor=None) if item.count else None)
            for item in changes.categories
        ]
        context["sections"] = [
            (
                item,
                pages[item.key],
                query_string(params, category=item.key, cursor=pages[item.key].next_cursor)
                if pages[item.key].next_cursor
                else None,
            )
            for item in changes.categories
            if item.key in pages
        ]
    return render(request, "forecasting/pipeline_changes.html", context)


def pipeline_changes_table(changes: PipelineChanges) -> tuple[list[str], list[list]]:
    """The CSV's header and rows: count, amount at the end, change and days per category."""
    header = [
        _("Change"),
        _("Count"),
        _money(_("Amount")),
        _money(_("Amount change")),
        _("Days"),
    ]
    rows = [
        [item.label, item.count, item.amount, item.change, item.days]
        for item in [*changes.categories, changes.total]
    ]
    rows.append([_("Net amount change"), None, None, changes.net_change, None])
    return header, rows


def _deal_rows(changes: PipelineChanges, language: str):
    """Every changed deal, per category, one keyset page at a time (streamed)."""
    with translation.override(language):
        for item in changes.categories:
            cursor = None
            while item.count:
                pages = time_travel.changed_deals(
                    changes, [item.key], cursor=cursor, size=EXPORT_PAGE_SIZE
                )
                page = pages[item.key]
                for deal in page.items:
                    row = [item.label, deal.opportunity.pk, deal.opportunity.name]
                    for _kind, before, after in deal.cells():
                        row += [before, after]
                    yield row
                if not page.next_cursor:
                    break
                cursor = page.next_cursor


@login_required
def pipeline_changes_export_view(request):
    _params, _bound, changes = _pipeline_changes(request)
    if changes is None:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("forecasting:pipeline_changes")
    name = f"pipeline-changes-{changes.start_day:%Y%m%d}-{changes.end_day:%Y%m%d}"
    if request.GET.get("table") == "deals":
        header = [_("Change"), _("ID"), _("Opportunity")]
        for label in (_("Owner"), _("Stage"), _money(_("Amount")), _("Close date")):
            header += [_("%(field)s before") % {"field": label}, label]
        header += [_("Probability (%) before"), _("Probability (%)")]
        return csv_response(
            f"{name}-deals.csv", header, _deal_rows(changes, translation.get_language())
        )
    header, rows = pipeline_changes_table(changes)
    return csv_response(f"{name}.csv", header, rows)
