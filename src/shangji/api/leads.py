"""/leads: list, read, write, assign and convert leads (their timeline: see timeline.py)."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shangji.audit.services import audited_export
from shangji.core.errors import field_errors
from shangji.core.exports import FORMATS, export_response
from shangji.leads import selectors, services
from shangji.leads.choices import ActivityHandling, LeadStatus
from shangji.leads.filters import SORT_CHOICES, UNASSIGNED, LeadFilter
from shangji.leads.models import Lead
from shangji.opportunities.choices import LeadSource, OpportunityType

from .accounts import AccountBasicsIn
from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .pagination import cursor_page
from .references import References
from .schemas import (
    EXPORT_FILE_RESPONSE,
    Cursor,
    DecimalInput,
    InputSchema,
    Limit,
    ValidationErrorOut,
    VersionedPatch,
    read_from,
)

router = Router(tags=["leads"])

SourceOrBlank = Literal[("", *LeadSource.values)]  # type: ignore[valid-type]
# Converted comes only from POST /leads/{id}/convert.
SettableStatus = Literal[tuple(s for s in LeadStatus.values if s != LeadStatus.CONVERTED)]  # type: ignore[valid-type]
SortKey = Literal[tuple(key for key, _label in SORT_CHOICES)]  # type: ignore[valid-type]


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str = read_from("full_name", description="The person's display name.")
    company: str
    title: str
    email: str
    phone: str
    mobile: str
    source: str
    status: str = Field(description=", ".join(LeadStatus.values) + ".")
    owner: int | None = read_from("owner_id", description="null: unassigned.")
    owner_username: str | None
    description: str
    external_id: str = Field(description="The ID in the system it was imported from.")
    converted_at: datetime.datetime | None
    converted_by: int | None = read_from("converted_by_id")
    converted_account: int | None = read_from("converted_account_id")
    converted_contact: int | None = read_from("converted_contact_id")
    converted_opportunity: int | None = read_from("converted_opportunity_id")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_owner_username(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None


class LeadPage(Schema):
    results: list[LeadOut]
    next_cursor: str | None


_NAME_HELP = "A lead needs a family name, a given name or a company."


class LeadCreate(InputSchema):
    first_name: str = Field("", description=_NAME_HELP)
    last_name: str = Field("", description=_NAME_HELP)
    company: str = Field("", description=_NAME_HELP)
    title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    source: SourceOrBlank = ""
    status: SettableStatus = Field(
        LeadStatus.NEW.value, description="A New lead given to someone else becomes Assigned."
    )
    owner: int | None = Field(None, description="Default: the caller; null: unassigned.")
    description: str = ""
    external_id: str = Field("", description="Unique when not blank.")


class LeadPatch(VersionedPatch):
    # Absent keys stay as they are; null is refused except for the owner (unassigned).
    first_name: str = None  # type: ignore[assignment]
    last_name: str = None  # type: ignore[assignment]
    company: str = None  # type: ignore[assignment]
    title: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    phone: str = None  # type: ignore[assignment]
    mobile: str = None  # type: ignore[assignment]
    source: SourceOrBlank = None  # type: ignore[assignment]
    status: SettableStatus = None  # type: ignore[assignment]
    owner: int | None = Field(None, description="null: unassigned.")
    description: str = None  # type: ignore[assignment]
    external_id: str = None  # type: ignore[assignment]


class LeadListQuery(Schema):
    q: str | None = Field(
        None, description="Text in the name, company, job title, e-mail or phone numbers."
    )
    status: LeadStatus | None = None
    source: LeadSource | None = None
    owner: int | Literal["none"] | None = Field(
        None, description=f"An owner's id, or '{UNASSIGNED}' for unassigned leads."
    )
    mine: bool | None = Field(None, description="Only the caller's own leads.")
    sort: SortKey = Field("-created", description="'-' first: descending.")
    cursor: Cursor = None
    limit: Limit = 50


class AssignIn(InputSchema):
    owner: int
    version: int = Field(description="The version you read; a stale one answers 409.")


class ConvertContactIn(InputSchema):
    last_name: str
    first_name: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""


class ConvertOpportunityIn(InputSchema):
    name: str
    amount: DecimalInput
    currency: str = Field(description="ISO 4217 code.")
    close_date: datetime.date
    stage: int
    owner: int | None = Field(None, description="Default: the lead's owner, else the caller.")
    lead_source: SourceOrBlank | None = Field(None, description="Default: the lead's source.")
    type: Literal[("", *OpportunityType.values)] = ""  # type: ignore[valid-type]
    next_step: str = ""
    description: str = ""


class ConvertIn(InputSchema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    account: int | None = Field(None, description="An existing account (or `new_account`).")
    new_account: AccountBasicsIn | None = Field(
        None, description="A new account, owned by the lead's owner (or `account`)."
    )
    contact: int | None = Field(None, description="An existing contact (or `new_contact`).")
    new_contact: ConvertContactIn | None = Field(
        None, description="A new contact at the account (or `contact`)."
    )
    opportunity: ConvertOpportunityIn | None = Field(
        None,
        description="An opportunity at the account with the contact as primary decision maker.",
    )
    activities: ActivityHandling = Field(
        ActivityHandling.MOVE,
        description="move: re-link the lead's activities to the contact, account and "
        "opportunity; copy: copies there, the originals stay; keep: leave them on the lead.",
    )


def _visible(request: HttpRequest) -> QuerySet:
    return Lead.objects.visible_to(request.auth).select_related("owner")


def _get_visible(request: HttpRequest, lead_id: int) -> Lead:
    """The lead if the caller may see it; 404 otherwise, as if it did not exist."""
    return get_object_or_404(_visible(request).select_related("owner__team"), pk=lead_id)


def _read(lead_id: int) -> Lead:
    # After a write, answer with the stored row even if the caller gave it away.
    return Lead.objects.select_related("owner").get(pk=lead_id)


@router.get(
    "",
    response={200: LeadPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List leads",
    description="The leads the caller may see (their own and their team's as the opportunity "
    "rule says, and the unassigned ones), filtered like the list page, one cursor page at a "
    "time.",
)
def list_leads(request, filters: Query[LeadListQuery]):
    data = request.GET.copy()
    if filters.mine is not None:
        data["mine"] = "true" if filters.mine else "false"
    filterset = LeadFilter(data=data, queryset=_visible(request), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.form.errors.as_data())
    _key, field, descending = filterset.sort_order()
    return cursor_page(
        filterset.qs, field=field, descending=descending, cursor=filters.cursor, limit=filters.limit
    )


@router.post("", response={201: LeadOut, **WRITE_ERRORS}, summary="Create a lead")
def create_lead(request, payload: LeadCreate):
    data = payload.model_dump()
    if "owner" not in payload.model_fields_set:
        data["owner"] = request.auth.pk
    data = References(request.auth).resolve_fields(data, owner="owner")
    lead = services.lead_create(actor=request.auth, **data)
    return Status(201, _read(lead.pk))


class LeadExportQuery(Schema):
    format: str = Field("csv", description="csv or xlsx.")
    bom: bool = Field(True, description="CSV only: start with a byte-order mark for Excel.")


@router.get(
    "/export",
    response={400: ValidationErrorOut, **READ_ERRORS},
    summary="Export leads as CSV or XLSX",
    description="The leads the caller may see that match the list's filters (the same query "
    "parameters as GET /leads), in the list's order, with the list page's export columns; "
    "headers are in the caller's language. A 200 answer is the file itself.",
    openapi_extra=EXPORT_FILE_RESPONSE,
)
def export_leads(request, options: Query[LeadExportQuery]):
    if options.format not in FORMATS:
        raise ValidationError({"format": [_("Choose csv or xlsx.")]})
    params = request.GET.copy()
    for name in ("format", "bom", "cursor", "limit"):
        params.pop(name, None)
    rows = selectors.lead_export_rows(user=request.auth, params=params)
    if rows is None:
        filterset = LeadFilter(data=params, queryset=_visible(request), request=request)
        filterset.is_valid()
        raise ValidationError(filterset.form.errors.as_data())
    rows = audited_export(
        rows, actor=request.auth, export="leads", file_format=options.format, filters=params
    )
    header, lines = selectors.lead_export_table(rows)
    stem = f"leads-{timezone.localdate():%Y%m%d}"
    return export_response(stem, header, lines, file_format=options.format, bom=options.bom)


@router.get("/{lead_id}", response={200: LeadOut, **READ_ERRORS}, summary="Get a lead")
def get_lead(request, lead_id: int):
    return get_object_or_404(_visible(request), pk=lead_id)


@router.patch(
    "/{lead_id}",
    response={200: LeadOut, **VERSIONED_WRITE_ERRORS},
    summary="Change a lead",
    description="Send `version` and only the fields to change. A converted lead cannot be "
    "changed (400).",
)
def update_lead(request, lead_id: int, payload: LeadPatch):
    lead = _get_visible(request, lead_id)
    changes = References(request.auth).resolve_fields(payload.changes(), owner="owner")
    services.lead_update(lead=lead, actor=request.auth, version=payload.version, **changes)
    return _read(lead.pk)


@router.delete(
    "/{lead_id}",
    response={204: None, **VERSIONED_WRITE_ERRORS},
    summary="Delete a lead",
    description="With its activities. `version` is the version you read; a stale one answers "
    "409. A converted lead cannot be deleted (400).",
)
def delete_lead(request, lead_id: int, version: int):
    lead = _get_visible(request, lead_id)
    services.lead_delete(lead=lead, actor=request.auth, version=version)
    return Status(204, None)


@router.post(
    "/{lead_id}/assign",
    response={200: LeadOut, **VERSIONED_WRITE_ERRORS},
    summary="Assign a lead",
    description="The new owner is notified; a New lead becomes Assigned.",
)
def assign_lead(request, lead_id: int, payload: AssignIn):
    lead = _get_visible(request, lead_id)
    references = References(request.auth)
    owner = references.owner(payload.owner)
    references.raise_errors()
    services.lead_assign(lead=lead, owner=owner, actor=request.auth, version=payload.version)
    return _read(lead.pk)


# Service error keys of the new records → the request's field names.
_NESTED = ("new_account", "new_contact", "opportunity")


def _nested_errors(error: ValidationError) -> ValidationError:
    """`new_account_name` → `new_account.name`, as the request spells it."""
    errors = {}
    for key, messages in field_errors(error).items():
        for prefix in _NESTED:
            if key.startswith(f"{prefix}_"):
                key = f"{prefix}.{key.removeprefix(prefix + '_')}"
                break
        errors[key] = messages
    return ValidationError(errors)


@router.post(
    "/{lead_id}/convert",
    response={200: LeadOut, **VERSIONED_WRITE_ERRORS},
    summary="Convert a lead",
    description="Into an existing or new account, an existing or new contact, and optionally "
    "an opportunity, in one transaction: all of it is written, or nothing. The lead becomes "
    "Converted and links to what it became. Errors of the new records are named "
    "`new_account.<field>`, `new_contact.<field>` and `opportunity.<field>`.",
)
def convert_lead(request, lead_id: int, payload: ConvertIn):
    lead = _get_visible(request, lead_id)
    references = References(request.auth)
    account = references.account(payload.account)
    contact = references.contact(payload.contact)
    opportunity = None
    if payload.opportunity is not None:
        opportunity = payload.opportunity.model_dump(exclude_none=True)
        opportunity["currency"] = references.currency(
            opportunity["currency"], "opportunity.currency"
        )
        opportunity["stage"] = references.stage(opportunity["stage"], "opportunity.stage")
        if "owner" in opportunity:
            opportunity["owner"] = references.owner(opportunity["owner"], "opportunity.owner")
    references.raise_errors()
    try:
        services.lead_convert(
            lead=lead,
            actor=request.auth,
            version=payload.version,
            account=account,
            new_account=payload.new_account.model_dump() if payload.new_account else None,
            contact=contact,
            new_contact=payload.new_contact.model_dump() if payload.new_contact else None,
            opportunity=opportunity,
            activities=payload.activities,
        )
    except ValidationError as error:
        raise _nested_errors(error) from None
    return _read(lead.pk)
