"""What opportunities look like in the API, going out and coming in."""

import datetime
from typing import Literal

from ninja import Field, Schema

from shangji.opportunities.choices import (
    ContactRole,
    ForecastCategory,
    LeadSource,
    OpportunityType,
    Priority,
)
from shangji.opportunities.filters import (
    CLOSE_PERIODS,
    NO_LEAD_SOURCE,
    SORT_FIELDS,
    STATUS_CHOICES,
)
from shangji.opportunities.health import FLAG_CHOICES

from .accounts import AccountBasicsIn
from .schemas import (
    Cursor,
    DecimalInput,
    DecimalString,
    InputSchema,
    Limit,
    PatchSchema,
    VersionedPatch,
    read_from,
)

Blank = Literal[""]


class ContactRoleOut(Schema):
    contact: int = read_from("contact_id")
    name: str = read_from("contact", "full_name")
    role: str


class CompetitorOut(Schema):
    id: int
    name: str
    strengths: str
    weaknesses: str


class OpportunityOut(Schema):
    id: int
    name: str
    account: int | None = read_from("account_id")
    account_name: str | None
    amount: DecimalString
    currency: str = read_from("currency_id", description="ISO 4217 code.")
    amount_base: DecimalString = Field(description="The amount in the base currency.")
    exchange_rate: DecimalString
    close_date: datetime.date
    pipeline: int = read_from("pipeline_id")
    stage: int = read_from("stage_id")
    stage_name: str = read_from(
        "stage", "label", description="The stage's name in the request's language."
    )
    probability: int
    forecast_category: str
    type: str
    lead_source: str
    next_step: str
    priority: str
    campaign: str
    description: str
    owner: int = read_from("owner_id")
    owner_username: str = read_from("owner", "username")
    contacts: list[ContactRoleOut] = read_from("contact_roles")
    competitors: list[CompetitorOut]
    lost_reason: str
    external_id: str = Field(description="The ID in the system it was imported from.")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_account_name(obj) -> str | None:
        return obj.account.name if obj.account_id else None


class OpportunityPage(Schema):
    results: list[OpportunityOut]
    next_cursor: str | None


class OpportunityChangeOut(Schema):
    id: int
    changed_at: datetime.datetime
    actor: int | None = read_from("actor_id")
    actor_username: str | None
    changed_fields: list[str]
    stage: int = read_from("stage_id")
    stage_name: str = read_from("stage", "label")
    previous_stage: int | None = read_from("previous_stage_id")
    amount: DecimalString
    previous_amount: DecimalString | None
    currency: str = read_from("currency_id")
    previous_currency: str | None = read_from("previous_currency_id")
    amount_base: DecimalString
    previous_amount_base: DecimalString | None
    probability: int
    previous_probability: int | None
    close_date: datetime.date
    previous_close_date: datetime.date | None
    owner: int = read_from("owner_id")
    previous_owner: int | None = read_from("previous_owner_id")
    forecast_category: str
    previous_forecast_category: str

    @staticmethod
    def resolve_actor_username(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class NewAccountIn(AccountBasicsIn):
    employees: int | None = None
    annual_revenue: DecimalInput | None = None
    description: str = ""


class NewContactIn(InputSchema):
    first_name: str = ""
    last_name: str
    email: str = ""
    phone: str = ""
    title: str = ""
    role: ContactRole = ContactRole.PRIMARY_DECISION_MAKER


class ContactRoleIn(InputSchema):
    contact: int
    role: ContactRole = ContactRole.PRIMARY_DECISION_MAKER


class CompetitorIn(InputSchema):
    name: str
    strengths: str = ""
    weaknesses: str = ""


class CompetitorPatch(PatchSchema):
    # Absent keys stay as they are; null is refused.
    name: str = None  # type: ignore[assignment]
    strengths: str = None  # type: ignore[assignment]
    weaknesses: str = None  # type: ignore[assignment]


class RoleIn(InputSchema):
    role: ContactRole


class OpportunityCreate(InputSchema):
    name: str
    account: int | None = Field(None, description="An existing account's id.")
    new_account: NewAccountIn | None = Field(
        None, description="Create this account with the opportunity (instead of `account`)."
    )
    new_contact: NewContactIn | None = Field(
        None, description="Create this contact at the account and give it a role."
    )
    amount: DecimalInput
    currency: str = Field(description="ISO 4217 code, e.g. CNY.")
    close_date: datetime.date
    stage: int
    probability: int | None = Field(None, ge=0, le=100, description="Default: the stage's.")
    forecast_category: ForecastCategory | None = Field(None, description="Default: the stage's.")
    type: OpportunityType | Blank = ""
    lead_source: LeadSource | Blank = ""
    next_step: str = ""
    priority: Priority | Blank = ""
    campaign: str = ""
    description: str = ""
    owner: int | None = Field(None, description="Default: the caller.")
    contacts: list[ContactRoleIn] = []
    competitors: list[CompetitorIn] = []
    lost_reason: str = ""


class OpportunityPatch(VersionedPatch):
    """Only the keys sent are changed. A stage change without `probability` takes the new
    stage's probability."""

    # Absent keys stay as they are; null is refused except where a field may be empty.
    name: str = None  # type: ignore[assignment]
    account: int | None = None
    amount: DecimalInput = None  # type: ignore[assignment]
    currency: str = None  # type: ignore[assignment]
    close_date: datetime.date = None  # type: ignore[assignment]
    stage: int = None  # type: ignore[assignment]
    probability: int | None = Field(None, ge=0, le=100)
    forecast_category: ForecastCategory = None  # type: ignore[assignment]
    type: OpportunityType | Blank = None  # type: ignore[assignment]
    lead_source: LeadSource | Blank = None  # type: ignore[assignment]
    next_step: str = None  # type: ignore[assignment]
    priority: Priority | Blank = None  # type: ignore[assignment]
    campaign: str = None  # type: ignore[assignment]
    description: str = None  # type: ignore[assignment]
    owner: int = None  # type: ignore[assignment]
    lost_reason: str = None  # type: ignore[assignment]


_ORDERING_PATTERN = "^-?(" + "|".join(SORT_FIELDS) + ")$"


class OpportunityListQuery(Schema):
    """The list page's filters (shangji.opportunities.filters.OpportunityFilter)."""

    q: str | None = Field(None, description="Text in the name, account name or next step.")
    stage: list[int] = Field([], description="Stage ids (repeat the parameter for several).")
    pipeline: int | None = None
    owner: list[int] = Field([], description="Owner ids (repeat the parameter for several).")
    team: int | None = Field(
        None, description="Team id: opportunities owned by its members (active or not)."
    )
    account: int | None = None
    status: Literal[tuple(key for key, _label in STATUS_CHOICES)] | None = None  # type: ignore[valid-type]
    close_date_from: datetime.date | None = None
    close_date_to: datetime.date | None = None
    close_period: Literal[tuple(key for key, _label in CLOSE_PERIODS)] | None = None  # type: ignore[valid-type]
    amount_min: DecimalInput | None = Field(None, description="In the base currency.")
    amount_max: DecimalInput | None = Field(None, description="In the base currency.")
    type: OpportunityType | None = None
    lead_source: Literal[(*LeadSource.values, NO_LEAD_SOURCE)] | None = Field(  # type: ignore[valid-type]
        None, description=f"A lead source, or '{NO_LEAD_SOURCE}' for opportunities without one."
    )
    mine: bool | None = Field(None, description="Only the caller's own opportunities.")
    health: list[Literal[tuple(key for key, _label in FLAG_CHOICES)]] = Field(  # type: ignore[valid-type]
        [],
        description="Open opportunities with any of these health flags (repeat for several).",
    )
    ordering: str = Field(
        "close_date",
        pattern=_ORDERING_PATTERN,
        description="One of " + ", ".join(SORT_FIELDS) + "; prefix '-' for descending.",
    )
    cursor: Cursor = None
    limit: Limit = 50
