"""Reads that span models: the list page, the detail page with its history."""

from django.http import Http404

from shangji.core.pagination import Page, keyset_page, order_for

from .filters import SORT_FIELDS, OpportunityFilter
from .models import Opportunity, OpportunityChange, OpportunityContact, Stage

HISTORY_LIMIT = 200


def parse_sort(value: str | None) -> tuple[str, bool]:
    """('close_date', False) from '?sort=close_date'; '-amount' sorts descending."""
    value = (value or "close_date").strip()
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORT_FIELDS:
        key, descending = "close_date", False
    return key, descending


def opportunity_list(
    *, user, params, cursor: str | None = None, size: int = 50, sort: str | None = None
) -> tuple[OpportunityFilter, Page | None, str, bool]:
    """The filtered, sorted page of opportunities `user` may see.

    Returns the bound filter (for its form and errors), the page (None when the filters are
    invalid), and the sort key and direction used.
    """
    queryset = (
        Opportunity.objects.visible_to(user)
        .with_list_relations()
        .select_related("pipeline")
        .with_health()
    )
    filterset = OpportunityFilter(params, queryset=queryset, request=_RequestShim(user))
    key, descending = parse_sort(sort)
    if not filterset.is_valid():
        return filterset, None, key, descending
    page = keyset_page(
        filterset.qs, field=SORT_FIELDS[key], descending=descending, cursor=cursor, size=size
    )
    return filterset, page, key, descending


EXPORT_CHUNK_SIZE = 2000


def opportunity_filterset(*, user, params) -> OpportunityFilter:
    """The list's FilterSet over the opportunities `user` may see (check is_valid())."""
    queryset = Opportunity.objects.visible_to(user)
    return OpportunityFilter(params, queryset=queryset, request=_RequestShim(user))


def opportunity_export_rows(*, user, params, sort: str | None = None):
    """Every opportunity matching the filters, in list order, streamed in chunks."""
    queryset = Opportunity.objects.visible_to(user).with_list_relations().select_related("pipeline")
    filterset = OpportunityFilter(params, queryset=queryset, request=_RequestShim(user))
    if not filterset.is_valid():
        return None
    key, descending = parse_sort(sort)
    ordered = filterset.qs.order_by(*order_for(SORT_FIELDS[key], descending))
    return ordered.iterator(chunk_size=EXPORT_CHUNK_SIZE)


class _RequestShim:
    """The FilterSet only needs `request.user` (for "mine")."""

    def __init__(self, user):
        self.user = user


def opportunity_get(*, user, pk, with_health: bool = False) -> Opportunity:
    """One opportunity the user may see, or 404 — whether it exists or not.

    With `with_health`, it carries the deal health flags (OpportunityQuerySet.with_health).
    """
    queryset = Opportunity.objects.visible_to(user)
    if with_health:
        queryset = queryset.with_health()
    opportunity = (
        queryset.select_related(
            "account",
            "stage",
            "pipeline",
            "owner",
            "owner__team",
            "currency",
            "created_by",
            "updated_by",
        )
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity


def opportunity_detail(*, user, pk) -> dict:
    """The detail page: the opportunity, its contacts, competitors, stages and history."""
    opportunity = opportunity_get(user=user, pk=pk, with_health=True)
    contact_roles = list(
        OpportunityContact.objects.filter(opportunity=opportunity).select_related(
            "contact", "contact__account"
        )
    )
    history = list(
        OpportunityChange.objects.filter(opportunity=opportunity)
        .select_related("stage", "previous_stage", "owner", "previous_owner", "actor")
        .order_by("-changed_at", "-id")[:HISTORY_LIMIT]
    )
    stages = list(Stage.objects.active().filter(pipeline_id=opportunity.pipeline_id))
    return {
        "opportunity": opportunity,
        "contact_roles": contact_roles,
        "competitors": list(opportunity.competitors.all()),
        "history": history,
        "stages": stages,
    }
