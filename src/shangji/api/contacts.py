"""/contacts: the people at an account."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from shangji.contacts import services
from shangji.contacts.models import Contact
from shangji.core.filters import text_search

from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .pagination import cursor_page
from .references import References
from .schemas import Cursor, InputSchema, Limit, ValidationErrorOut, VersionedPatch, read_from

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str = read_from(
        "full_name", description="The display name (Chinese names family name first)."
    )
    title: str
    account: int = read_from("account_id")
    account_name: str = read_from("account", "name")
    email: str
    phone: str
    mobile: str
    description: str
    owner: int = read_from("owner_id")
    owner_username: str = read_from("owner", "username")
    external_id: str = Field(description="The ID in the system it was imported from.")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactPage(Schema):
    results: list[ContactOut]
    next_cursor: str | None


class ContactCreate(InputSchema):
    account: int
    first_name: str = ""
    last_name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    description: str = ""
    owner: int | None = Field(None, description="Default: the caller.")


class ContactPatch(VersionedPatch):
    # Absent keys stay as they are; null is refused.
    account: int = None  # type: ignore[assignment]
    first_name: str = None  # type: ignore[assignment]
    last_name: str = None  # type: ignore[assignment]
    title: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    phone: str = None  # type: ignore[assignment]
    mobile: str = None  # type: ignore[assignment]
    description: str = None  # type: ignore[assignment]
    owner: int = None  # type: ignore[assignment]


class ContactListQuery(Schema):
    q: str | None = Field(None, description="Text in the name, e-mail, phone or account name.")
    account: int | None = Field(None, description="Only the contacts at this account.")
    cursor: Cursor = None
    limit: Limit = 50


# What `q` reads: unlike the list page, the name's parts one by one.
_SEARCH_FIELDS = ["last_name", "first_name", "email", "phone", "mobile", "account__name"]


def _visible(request):
    return Contact.objects.visible_to(request.auth).select_related("account", "owner")


def _resolve(request, data: dict) -> dict:
    return References(request.auth).resolve_fields(data, account="account", owner="owner")


@router.get(
    "",
    response={200: ContactPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List contacts",
    description="Ordered by family name, one cursor page at a time.",
)
def list_contacts(request, filters: Query[ContactListQuery]):
    queryset = _visible(request)
    if filters.account is not None:
        queryset = queryset.filter(account_id=filters.account)
    queryset = text_search(queryset, filters.q or "", _SEARCH_FIELDS)
    return cursor_page(queryset, field="last_name", cursor=filters.cursor, limit=filters.limit)


@router.post("", response={201: ContactOut, **WRITE_ERRORS}, summary="Create a contact")
def create_contact(request, payload: ContactCreate):
    contact = services.contact_create(actor=request.auth, **_resolve(request, payload.model_dump()))
    return Status(201, _visible(request).get(pk=contact.pk))


@router.get("/{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact")
def get_contact(request, contact_id: int):
    return get_object_or_404(_visible(request), pk=contact_id)


@router.patch(
    "/{contact_id}",
    response={200: ContactOut, **VERSIONED_WRITE_ERRORS},
    summary="Change a contact",
    description="Send `version` and only the fields to change.",
)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = get_object_or_404(_visible(request), pk=contact_id)
    contact = services.contact_update(
        contact=contact,
        actor=request.auth,
        version=payload.version,
        **_resolve(request, payload.changes()),
    )
    return _visible(request).get(pk=contact.pk)
