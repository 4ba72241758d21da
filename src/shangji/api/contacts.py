"""/contacts: the people at an account."""

import datetime

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from shangji.contacts import services
from shangji.contacts.models import Contact

from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .pagination import cursor_page
from .references import References
from .schemas import Cursor, InputSchema, Limit, ValidationErrorOut

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    name: str = Field(description="The display name (Chinese names family name first).")
    title: str
    account: int
    account_name: str
    email: str
    phone: str
    mobile: str
    description: str
    owner: int
    owner_username: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.full_name

    @staticmethod
    def resolve_account(obj) -> int:
        return obj.account_id

    @staticmethod
    def resolve_account_name(obj) -> str:
        return obj.account.name

    @staticmethod
    def resolve_owner(obj) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_owner_username(obj) -> str:
        return obj.owner.username


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


class ContactPatch(InputSchema):
    version: int = Field(description="The version you read; a stale one answers 409.")
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


def _visible(request):
    return Contact.objects.visible_to(request.auth).select_related("account", "owner")


def _resolve(request, data: dict) -> dict:
    references = References(request.auth)
    if "account" in data:
        data["account"] = references.account(data["account"])
    if "owner" in data:
        data["owner"] = references.owner(data["owner"])
    references.raise_errors()
    return data


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
    text = (filters.q or "").strip()
    if text:
        queryset = queryset.filter(
            Q(last_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
            | Q(mobile__icontains=text)
            | Q(account__name__icontains=text)
        )
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
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    contact = services.contact_update(
        contact=contact, actor=request.auth, version=version, **_resolve(request, changes)
    )
    return _visible(request).get(pk=contact.pk)
