"""/accounts: the companies we sell to."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from shangji.accounts import services
from shangji.accounts.models import Account
from shangji.core.filters import text_search

from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .pagination import cursor_page
from .references import References
from .schemas import (
    Cursor,
    DecimalInput,
    DecimalString,
    InputSchema,
    Limit,
    ValidationErrorOut,
    VersionedPatch,
    read_from,
)

router = Router(tags=["accounts"])


class AccountOut(Schema):
    id: int
    name: str
    industry: str
    website: str
    phone: str
    email: str
    address: str
    employees: int | None
    annual_revenue: DecimalString | None
    parent: int | None = read_from("parent_id")
    description: str
    owner: int = read_from("owner_id")
    owner_username: str = read_from("owner", "username")
    external_id: str = Field(description="The ID in the system it was imported from.")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AccountPage(Schema):
    results: list[AccountOut]
    next_cursor: str | None


class AccountBasicsIn(InputSchema):
    """The name, industry and contact details both ways of creating an account start with."""

    name: str
    industry: str = ""
    website: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


class AccountCreate(AccountBasicsIn):
    employees: int | None = Field(None, ge=0)
    annual_revenue: DecimalInput | None = None
    parent: int | None = None
    description: str = ""
    owner: int | None = Field(None, description="Default: the caller.")


class AccountPatch(VersionedPatch):
    # Absent keys stay as they are; null is refused except where a field may be empty.
    name: str = None  # type: ignore[assignment]
    industry: str = None  # type: ignore[assignment]
    website: str = None  # type: ignore[assignment]
    phone: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    address: str = None  # type: ignore[assignment]
    employees: int | None = Field(None, ge=0)
    annual_revenue: DecimalInput | None = None
    parent: int | None = None
    description: str = None  # type: ignore[assignment]
    owner: int = None  # type: ignore[assignment]


class AccountListQuery(Schema):
    q: str | None = Field(None, description="Text in the name, industry, e-mail or phone.")
    cursor: Cursor = None
    limit: Limit = 50


def _visible(request):
    return Account.objects.visible_to(request.auth).select_related("owner")


def _resolve(request, data: dict) -> dict:
    return References(request.auth).resolve_fields(data, parent="account", owner="owner")


@router.get(
    "",
    response={200: AccountPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List accounts",
    description="Ordered by name, one cursor page at a time.",
)
def list_accounts(request, filters: Query[AccountListQuery]):
    text = filters.q or ""
    queryset = text_search(_visible(request), text, ["name", "industry", "email", "phone"])
    return cursor_page(queryset, field="name", cursor=filters.cursor, limit=filters.limit)


@router.post("", response={201: AccountOut, **WRITE_ERRORS}, summary="Create an account")
def create_account(request, payload: AccountCreate):
    data = _resolve(request, payload.model_dump())
    account = services.account_create(actor=request.auth, **data)
    return Status(201, _visible(request).get(pk=account.pk))


@router.get("/{account_id}", response={200: AccountOut, **READ_ERRORS}, summary="Get an account")
def get_account(request, account_id: int):
    return get_object_or_404(_visible(request), pk=account_id)


@router.patch(
    "/{account_id}",
    response={200: AccountOut, **VERSIONED_WRITE_ERRORS},
    summary="Change an account",
    description="Send `version` and only the fields to change.",
)
def update_account(request, account_id: int, payload: AccountPatch):
    account = get_object_or_404(_visible(request), pk=account_id)
    account = services.account_update(
        account=account,
        actor=request.auth,
        version=payload.version,
        **_resolve(request, payload.changes()),
    )
    return _visible(request).get(pk=account.pk)
