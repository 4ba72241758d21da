"""/accounts: the companies we sell to."""

import datetime

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from shangji.accounts import services
from shangji.accounts.models import Account

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
    parent: int | None
    description: str
    owner: int
    owner_username: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_parent(obj) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_owner(obj) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_owner_username(obj) -> str:
        return obj.owner.username


class AccountPage(Schema):
    results: list[AccountOut]
    next_cursor: str | None


class AccountCreate(InputSchema):
    name: str
    industry: str = ""
    website: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    employees: int | None = Field(None, ge=0)
    annual_revenue: DecimalInput | None = None
    parent: int | None = None
    description: str = ""
    owner: int | None = Field(None, description="Default: the caller.")


class AccountPatch(InputSchema):
    version: int = Field(description="The version you read; a stale one answers 409.")
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
    references = References(request.auth)
    if "parent" in data:
        data["parent"] = references.account(data["parent"], field="parent")
    if "owner" in data:
        data["owner"] = references.owner(data["owner"])
    references.raise_errors()
    return data


@router.get(
    "",
    response={200: AccountPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List accounts",
    description="Ordered by name, one cursor page at a time.",
)
def list_accounts(request, filters: Query[AccountListQuery]):
    queryset = _visible(request)
    text = (filters.q or "").strip()
    if text:
        queryset = queryset.filter(
            Q(name__icontains=text)
            | Q(industry__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
        )
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
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    account = services.account_update(
        account=account, actor=request.auth, version=version, **_resolve(request, changes)
    )
    return _visible(request).get(pk=account.pk)
