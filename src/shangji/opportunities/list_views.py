"""The opportunity list with its saved views and chosen columns, and its export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.audit.services import audited_export
from shangji.core.exports import export_options, export_response
from shangji.core.views import query_string
from shangji.savedviews.forms import SavedViewForm
from shangji.savedviews.lists import NOT_FILTERS, filter_query, spec_of
from shangji.savedviews.selectors import saved_view_menu

from . import selectors
from .columns import EXPORT_COLUMNS, ListColumn, export_columns, list_columns
from .views import MORE_FILTERS

LIST = "opportunities"
NAME_COLUMN = ListColumn("name", gettext_lazy("Name"), "name")


def _active_view(params: QueryDict, mine: list, shared: list):
    """The saved view the page shows and the parameters in force.

    The bare list (no parameters at all) opens the user's default view, if they chose one;
    ?view=<id> takes that view's columns (its filters and sort are in the link).
    """
    if not params:
        default = next((view for view in mine if view.is_default), None)
        if default is None:
            return None, params.copy()
        params = QueryDict(default.query, mutable=True)
        if default.sort:
            params["sort"] = default.sort
        params["view"] = str(default.pk)
        return default, params
    wanted = params.get("view", "")
    return next((view for view in [*mine, *shared] if str(view.pk) == wanted), None), params.copy()


def _headers(params: QueryDict, columns: list[ListColumn], key: str, descending: bool) -> list:
    headers = []
    for column in columns:
        active = column.sort is not None and column.sort == key
        url = None
        if column.sort is not None:
            sort = f"-{column.sort}" if active and not descending else column.sort
            url = query_string(params, cursor=None, sort=sort)
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "url": url,
                "active": active,
                "descending": descending,
                "number": column.number,
                "hide_small": column.hide_small,
            }
        )
    return headers


@login_required
def opportunity_list_view(request):
    mine, shared = saved_view_menu(request.user, LIST)
    active_view, params = _active_view(request.GET, mine, shared)
    filters = params.copy()
    cursor = filters.pop("cursor", [None])[0]
    sort = filters.pop("sort", [None])[0]
    try:
        filterset, page, key, descending = selectors.opportunity_list(
            user=request.user, params=filters, cursor=cursor, sort=sort
        )
    except ValueError:
        messages.error(request, _("That page link is no longer valid; showing the first page."))
        return redirect(request.path + query_string(params, cursor=None))
    columns = [NAME_COLUMN, *list_columns(active_view.columns if active_view else None)]
    only_filters = filter_query(spec_of(LIST), filters)
    export_params = only_filters.copy()
    if sort:
        export_params["sort"] = sort
    view_param = str(active_view.pk) if active_view else params.get("view", "")
    save_form = SavedViewForm(
        initial={
            "list": LIST,
            "name": active_view.name if active_view in mine else "",
            "query": only_filters.urlencode(),
            "sort": sort or "",
            "columns": [column.key for column in columns[1:]],
            "shared_with_team": bool(active_view and active_view.shared_with_team),
            "is_default": bool(active_view and active_view.is_default and active_view in mine),
        }
    )
    context = {
        "filter": filterset,
        "more_filter_names": MORE_FILTERS,
        "more_filters_active": any(params.get(name) for name in MORE_FILTERS),
        "health_filter_active": bool(params.get("health")),
        "page": page,
        "columns": _headers(params, columns, key, descending),
        "next_url": query_string(params, cursor=page.next_cursor)
        if page and page.next_cursor
        else None,
        "first_url": query_string(params, cursor=None),
        "current_sort": sort or "",
        "view_param": view_param,
        "active_view": active_view,
        "views_mine": mine,
        "views_shared": shared,
        "clear_url": f"?view={view_param or 'standard'}",
        "save_form": save_form,
        "export_hidden": [
            (name, value) for name, values in export_params.lists() for value in values
        ],
        "export_columns": EXPORT_COLUMNS,
        "bulk_form_url": reverse("opportunities:bulk_update_form")
        + (f"?{only_filters.urlencode()}" if only_filters else ""),
    }
    template = (
        "opportunities/partials/list_table.html"
        if request.htmx
        else "opportunities/opportunity_list.html"
    )
    return render(request, template, context)


@login_required
def opportunity_export_view(request):
    params = request.GET.copy()
    file_format, bom = export_options(params)
    columns, _unknown = export_columns(params.getlist("columns"))
    sort = params.get("sort")
    for name in NOT_FILTERS:
        params.pop(name, None)
    rows = selectors.opportunity_export_rows(user=request.user, params=params, sort=sort)
    if rows is None:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("opportunities:opportunity_list")
    rows = audited_export(
        rows, actor=request.user, export="opportunities", file_format=file_format, filters=params
    )
    return export_response(
        f"opportunities-{timezone.localdate():%Y%m%d}",
        [column.header for column in columns],
        ([column.value(opportunity) for column in columns] for opportunity in rows),
        file_format=file_format,
        bom=bom,
    )
