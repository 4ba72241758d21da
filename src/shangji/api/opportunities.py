"""/opportunities: list, read, write; their contact roles, competitors and history."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from shangji.contacts.models import Contact
from shangji.opportunities import services
from shangji.opportunities.filters import SORT_FIELDS, OpportunityFilter
from shangji.opportunities.models import (
    Competitor,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
)

from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .opportunity_schemas import (
    CompetitorIn,
    CompetitorOut,
    CompetitorPatch,
    ContactRoleOut,
    OpportunityChangeOut,
    OpportunityCreate,
    OpportunityListQuery,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    RoleIn,
)
from .pagination import cursor_page
from .references import References
from .schemas import ValidationErrorOut

router = Router(tags=["opportunities"])

# The plain fields a client may set as they are (references are looked up first).
_PLAIN_FIELDS = {
    "probability",
    "forecast_category",
    "type",
    "lead_source",
    "next_step",
    "priority",
    "campaign",
    "description",
    "lost_reason",
}


def _with_relations(queryset: QuerySet) -> QuerySet:
    """Everything OpportunityOut reads, in a fixed number of queries for any number of rows."""
    return queryset.with_list_relations().prefetch_related(
        Prefetch("contact_roles", queryset=OpportunityContact.objects.select_related("contact")),
        "competitors",
    )


def _visible(request: HttpRequest) -> QuerySet:
    return Opportunity.objects.visible_to(request.auth)


def _get_visible(request: HttpRequest, opportunity_id: int) -> Opportunity:
    """The opportunity if the caller may see it; 404 otherwise, as if it did not exist."""
    return get_object_or_404(_visible(request).select_related("owner__team"), pk=opportunity_id)


def _read(opportunity_id: int) -> Opportunity:
    # After a write, answer with the stored row even if the caller gave it away.
    return _with_relations(Opportunity.objects.all()).get(pk=opportunity_id)


@router.get(
    "",
    response={200: OpportunityPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List opportunities",
    description="The opportunities the caller may see, filtered like the list page, one "
    "cursor page at a time.",
)
def list_opportunities(request, filters: Query[OpportunityListQuery]):
    data = request.GET.copy()
    if filters.mine is not None:
        # The page's checkbox reads any non-empty value as on; the API's "false" means off.
        data["mine"] = "true" if filters.mine else "false"
    filterset = OpportunityFilter(
        data=data, queryset=_with_relations(_visible(request)), request=request
    )
    if not filterset.is_valid():
        raise ValidationError(filterset.form.errors.as_data())
    key = filters.ordering.removeprefix("-")
    return cursor_page(
        filterset.qs,
        field=SORT_FIELDS[key],
        descending=filters.ordering.startswith("-"),
        cursor=filters.cursor,
        limit=filters.limit,
    )


@router.post(
    "",
    response={201: OpportunityOut, **WRITE_ERRORS},
    summary="Create an opportunity",
    description="With an existing account (`account`) or a new one (`new_account`), and "
    "optionally a new contact. All of it is written, or nothing.",
)
def create_opportunity(request, payload: OpportunityCreate):
    references = References(request.auth)
    account = references.account(payload.account)
    currency = references.currency(payload.currency)
    stage = references.stage(payload.stage)
    owner = references.owner(payload.owner)
    contacts = references.contacts([role.contact for role in payload.contacts])
    references.raise_errors()
    opportunity = services.opportunity_create(
        actor=request.auth,
        name=payload.name,
        amount=payload.amount,
        currency=currency,
        close_date=payload.close_date,
        stage=stage,
        account=account,
        new_account=payload.new_account.model_dump() if payload.new_account else None,
        new_contact=payload.new_contact.model_dump() if payload.new_contact else None,
        contacts=[(contacts[role.contact], role.role) for role in payload.contacts],
        competitors=[competitor.model_dump() for competitor in payload.competitors],
        owner=owner,
        **payload.model_dump(include=_PLAIN_FIELDS, exclude_none=True),
    )
    return Status(201, _read(opportunity.pk))


@router.get(
    "/{opportunity_id}",
    response={200: OpportunityOut, **READ_ERRORS},
    summary="Get an opportunity",
)
def get_opportunity(request, opportunity_id: int):
    return get_object_or_404(_with_relations(_visible(request)), pk=opportunity_id)


@router.patch(
    "/{opportunity_id}",
    response={200: OpportunityOut, **VERSIONED_WRITE_ERRORS},
    summary="Change an opportunity",
    description="Send `version` and only the fields to change. A stage change without "
    "`probability` takes the new stage's probability.",
)
def update_opportunity(request, opportunity_id: int, payload: OpportunityPatch):
    opportunity = _get_visible(request, opportunity_id)
    changes = References(request.auth).resolve_fields(
        payload.changes(), account="account", currency="currency", stage="stage", owner="owner"
    )
    services.opportunity_update(
        opportunity=opportunity, actor=request.auth, version=payload.version, **changes
    )
    return _read(opportunity.pk)


@router.delete(
    "/{opportunity_id}",
    response={204: None, **VERSIONED_WRITE_ERRORS},
    summary="Delete an opportunity",
    description="With its contact roles, competitors and history. `version` is the version "
    "you read; a stale one answers 409.",
)
def delete_opportunity(request, opportunity_id: int, version: int):
    opportunity = _get_visible(request, opportunity_id)
    services.opportunity_delete(opportunity=opportunity, actor=request.auth, version=version)
    return Status(204, None)


@router.get(
    "/{opportunity_id}/history",
    response={200: list[OpportunityChangeOut], **READ_ERRORS},
    summary="An opportunity's history",
    description="One row per change of stage, amount, probability, close date, owner or "
    "forecast category, newest first, with the values before.",
)
def opportunity_history(request, opportunity_id: int):
    opportunity = get_object_or_404(_visible(request), pk=opportunity_id)
    return OpportunityChange.objects.filter(opportunity=opportunity).select_related(
        "actor", "stage"
    )


@router.put(
    "/{opportunity_id}/contacts/{contact_id}",
    response={200: ContactRoleOut, **WRITE_ERRORS},
    summary="Give a contact a role on an opportunity",
    description="Adds the contact, or changes the role it has.",
)
def set_contact_role(request, opportunity_id: int, contact_id: int, payload: RoleIn):
    opportunity = _get_visible(request, opportunity_id)
    contact = get_object_or_404(Contact.objects.visible_to(request.auth), pk=contact_id)
    return services.opportunity_contact_set(
        opportunity=opportunity, contact=contact, role=payload.role, actor=request.auth
    )


@router.delete(
    "/{opportunity_id}/contacts/{contact_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Take a contact off an opportunity",
    description="The contact itself stays.",
)
def remove_contact_role(request, opportunity_id: int, contact_id: int):
    opportunity = _get_visible(request, opportunity_id)
    contact = get_object_or_404(Contact.objects.visible_to(request.auth), pk=contact_id)
    services.opportunity_contact_remove(
        opportunity=opportunity, contact=contact, actor=request.auth
    )
    return Status(204, None)


def _get_competitor(request: HttpRequest, opportunity_id: int, competitor_id: int) -> Competitor:
    opportunity = _get_visible(request, opportunity_id)
    competitor = get_object_or_404(opportunity.competitors, pk=competitor_id)
    competitor.opportunity = opportunity
    return competitor


@router.post(
    "/{opportunity_id}/competitors",
    response={201: CompetitorOut, **WRITE_ERRORS},
    summary="Add a competitor to an opportunity",
)
def add_competitor(request, opportunity_id: int, payload: CompetitorIn):
    opportunity = _get_visible(request, opportunity_id)
    competitor = services.competitor_add(
        opportunity=opportunity, actor=request.auth, **payload.model_dump()
    )
    return Status(201, competitor)


@router.patch(
    "/{opportunity_id}/competitors/{competitor_id}",
    response={200: CompetitorOut, **WRITE_ERRORS},
    summary="Change a competitor",
    description="Send only the fields to change.",
)
def update_competitor(request, opportunity_id: int, competitor_id: int, payload: CompetitorPatch):
    competitor = _get_competitor(request, opportunity_id, competitor_id)
    changes = payload.changes()
    return services.competitor_update(competitor=competitor, actor=request.auth, **changes)


@router.delete(
    "/{opportunity_id}/competitors/{competitor_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a competitor from an opportunity",
)
def remove_competitor(request, opportunity_id: int, competitor_id: int):
    competitor = _get_competitor(request, opportunity_id, competitor_id)
    services.competitor_remove(competitor=competitor, actor=request.auth)
    return Status(204, None)
