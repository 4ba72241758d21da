"""The lists views can be saved for: their filters, columns, sort keys and page.

Another list (leads) joins by adding a ListSpec here and a choice to models.ListName.
"""

import functools
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

# Parameters of a list page that are not filters: paging, sort, the view, export options.
NOT_FILTERS = {"cursor", "sort", "view", "format", "columns", "bom"}


@dataclass(frozen=True)
class ListSpec:
    key: str
    url_name: str
    filterset_class: type
    columns: dict  # key → label, in the order offered
    default_columns: tuple[str, ...]
    sort_keys: frozenset[str]


class _UserOnly:
    """A FilterSet reads only `request.user` (for "mine")."""

    def __init__(self, user):
        self.user = user


@functools.cache
def _specs() -> dict[str, ListSpec]:
    from shangji.opportunities.columns import DEFAULT_LIST_COLUMNS, LIST_COLUMNS
    from shangji.opportunities.filters import SORT_FIELDS, OpportunityFilter

    return {
        "opportunities": ListSpec(
            key="opportunities",
            url_name="opportunities:opportunity_list",
            filterset_class=OpportunityFilter,
            columns={column.key: column.label for column in LIST_COLUMNS},
            default_columns=tuple(DEFAULT_LIST_COLUMNS),
            sort_keys=frozenset(SORT_FIELDS),
        )
    }


def spec_of(list_name: str) -> ListSpec | None:
    return _specs().get(list_name)


def filter_query(spec: ListSpec, params) -> QueryDict:
    """Only the list's filter parameters of `params` (a QueryDict or a query string), non-empty."""
    if isinstance(params, str):
        params = QueryDict(params)
    known = set(spec.filterset_class.base_filters)
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        if name in known and name not in NOT_FILTERS:
            kept = [value for value in values if value != ""]
            if kept:
                query.setlist(name, kept)
    return query


def filter_errors(spec: ListSpec, query: QueryDict, user) -> dict[str, list[str]]:
    """The list's FilterSet's errors for `query` ({} when the filters are valid)."""
    filterset = spec.filterset_class(query, queryset=None, request=_UserOnly(user))
    form = filterset.form
    return {} if form.is_valid() else {name: list(errors) for name, errors in form.errors.items()}


def view_url(view) -> str:
    """The list page showing `view`: its filters, its sort and ?view=<id> for its columns."""
    spec = spec_of(view.list)
    query = QueryDict(view.query, mutable=True)
    if view.sort:
        query["sort"] = view.sort
    query["view"] = str(view.pk)
    return f"{reverse(spec.url_name)}?{query.urlencode()}"
