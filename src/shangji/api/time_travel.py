"""/pipeline-on and /pipeline-changes: the time-travel pages' figures as JSON.

Thin on purpose: the query string goes to the same form, filters and selectors as the pages
(forecasting.time_travel), so every figure equals the page's.
"""

import datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from shangji.forecasting import time_travel
from shangji.opportunities.models import OpportunityChange

from .errors import READ_ERRORS
from .schemas import Cursor, DecimalString, ValidationErrorOut

router = Router(tags=["reports"])

# Days and filters arrive as text and are validated by the pages' forms, so any invalid one is
# a 400 with field errors (as on the page), never a schema error.
DateParam = Annotated[str | None, WithJsonSchema({"type": "string", "format": "date"})]
IdParam = Annotated[str | None, WithJsonSchema({"type": "integer"})]
IdsParam = Annotated[list[str], WithJsonSchema({"type": "array", "items": {"type": "integer"}})]
CategoryParam = Annotated[
    str | None, WithJsonSchema({"type": "string", "enum": list(time_travel.CATEGORIES)})
]
LimitParam = Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1})]


class Filters(Schema):
    owner: IdsParam = Field([], description="Owner ids back then (repeat for several).")
    team: IdParam = Field(None, description="Team id: deals whose owner back then is in it.")
    pipeline: IdParam = Field(None, description="Pipeline id (of the stage back then).")


class PipelineOnQuery(Filters):
    date: DateParam = Field(None, description="The day (today or earlier) whose end to show.")


class ChangesQuery(Filters):
    from_: DateParam = Field(None, alias="from", description="The first day (its end).")
    to: DateParam = Field(None, description="The second day (its end), today or earlier.")
    category: CategoryParam = Field(None, description="Only this category's deals, paged.")
    cursor: Cursor = None
    limit: LimitParam = Field(
        None,
        description=f"Deals per category (default {time_travel.DEALS_PER_CATEGORY}, "
        f"at most {time_travel.MAX_DEALS_PER_PAGE}).",
    )


class FiguresOut(Schema):
    count: int
    amount: DecimalString = Field(description="Σ amount in the base currency.")
    weighted: DecimalString | None = Field(
        description="Σ amount × probability ÷ 100; null for won and lost."
    )


class LineOut(Schema):
    key: str = Field(description="The stage id, or open (total), won or lost.")
    label: str
    stage: int | None
    retired: bool
    then: FiguresOut = Field(description="At the end of the day.")
    now: FiguresOut
    now_url: str | None = Field(description="The opportunity list showing the deals now.")


class PipelineOnOut(Schema):
    date: datetime.date
    until: datetime.datetime = Field(description="The first instant after the day (exclusive).")
    time_zone: str
    currency: str
    stages: list[LineOut] = Field(description="Open stages in stage order.")
    open: LineOut
    won: LineOut
    lost: LineOut


class StateOut(Schema):
    changed_at: datetime.datetime = Field(description="When this state was recorded.")
    stage: int
    stage_label: str
    stage_kind: str
    amount: DecimalString
    currency: str
    amount_base: DecimalString
    probability: int
    close_date: datetime.date
    owner: int
    owner_name: str
    forecast_category: str


class MovedDealOut(Schema):
    id: int
    name: str
    url: str
    before: StateOut | None = Field(description="At the end of `from`; null for a new deal.")
    after: StateOut = Field(description="At the end of `to`.")


class DealPage(Schema):
    results: list[MovedDealOut]
    next_cursor: str | None = Field(description="Send with `category` for the next page.")


class CategoryOut(Schema):
    key: str
    label: str
    count: int
    amount: DecimalString = Field(description="Σ amount at the end of `to`, base currency.")
    change: DecimalString | None = Field(description="Σ amount change (amount up / down).")
    days: int | None = Field(description="Σ days the close dates moved (slipped / pulled in).")


class ChangesOut(Schema):
    from_: datetime.date = Field(alias="from")
    to: datetime.date
    time_zone: str
    currency: str
    categories: list[CategoryOut]
    total: CategoryOut = Field(description="The deals in at least one category, once each.")
    net_change: DecimalString = Field(description="Σ amount change over the re-priced deals.")
    deals: dict[str, DealPage] = Field(
        description="Per category (or the one asked for): its deals, largest amount first."
    )


def _figures(figures: time_travel.Figures) -> dict:
    return {"count": figures.count, "amount": figures.amount, "weighted": figures.weighted}


def _line(line: time_travel.PipelineLine) -> dict:
    return {
        "key": line.key,
        "label": str(line.label),
        "stage": line.stage.pk if line.stage else None,
        "retired": bool(line.stage and not line.stage.is_active),
        "then": _figures(line.then),
        "now": _figures(line.now),
        "now_url": line.now_url,
    }


@router.get(
    "/pipeline-on",
    response={200: PipelineOnOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="The pipeline on a past day",
    description="Per open stage, the count, amount and weighted amount in the base currency at "
    "the end of `date` in the caller's time zone (from the opportunities' history) beside "
    "today's, with the open total and the won and lost deals; over the opportunities the "
    "caller may see now. Owner and team filter by the owner back then.",
)
def get_pipeline_on(request, filters: Query[PipelineOnQuery]):
    user = request.auth
    bound, report = time_travel.pipeline_on_get(user=user, params=request.GET)
    if report is None:
        raise ValidationError(bound.errors())
    return {
        "date": report.day,
        "until": report.instant.astimezone(datetime.UTC),
        "time_zone": str(time_travel.user_zone(user)),
        "currency": settings.BASE_CURRENCY,
        "stages": [_line(line) for line in report.stages],
        "open": _line(report.open),
        "won": _line(report.won),
        "lost": _line(report.lost),
    }


def _state(row: OpportunityChange | None) -> dict | None:
    if row is None:
        return None
    return {
        "changed_at": row.changed_at,
        "stage": row.stage_id,
        "stage_label": time_travel.stage_label(row.stage, False),
        "stage_kind": row.stage.kind,
        "amount": row.amount,
        "currency": row.currency_id,
        "amount_base": row.amount_base,
        "probability": row.probability,
        "close_date": row.close_date,
        "owner": row.owner_id,
        "owner_name": row.owner.display_name,
        "forecast_category": row.forecast_category,
    }


def _deal(deal: time_travel.DealChange) -> dict:
    opportunity = deal.opportunity
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "url": opportunity.get_absolute_url(),
        "before": _state(deal.before),
        "after": _state(deal.after),
    }


def _category(item: time_travel.Category) -> dict:
    return {
        "key": item.key,
        "label": str(item.label),
        "count": item.count,
        "amount": item.amount,
        "change": item.change,
        "days": item.days,
    }


def _limit(value: str | None) -> int:
    if not value:
        return time_travel.DEALS_PER_CATEGORY
    try:
        limit = int(value)
    except ValueError:
        raise ValidationError({"limit": [_("Enter a whole number.")]}) from None
    if not 1 <= limit <= time_travel.MAX_DEALS_PER_PAGE:
        raise ValidationError(
            {
                "limit": [
                    _("Enter a number from 1 to %(max)s.") % {"max": time_travel.MAX_DEALS_PER_PAGE}
                ]
            }
        )
    return limit


@router.get(
    "/pipeline-changes",
    response={200: ChangesOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="What changed in the pipeline between two days",
    description="Per kind of change (new, won, lost, reopened, moved forward or backward, "
    "close date slipped or pulled in, amount up or down) between the end of `from` and the "
    "end of `to` in the caller's time zone: the count, the amount at the end of `to`, the "
    "amount change and the days moved, and the changed deals with their before and after "
    "states. Owner, team and pipeline filter by the deal at the end of `to`.",
    by_alias=True,
)
def get_pipeline_changes(request, filters: Query[ChangesQuery]):
    user = request.auth
    limit = _limit(filters.limit)
    category = filters.category
    if category is not None and category not in time_travel.CATEGORIES:
        raise ValidationError({"category": [_("Select a valid choice.")]})
    if filters.cursor and category is None:
        raise ValidationError({"category": [_("Choose the category the cursor is for.")]})
    bound, changes = time_travel.pipeline_changes_get(user=user, params=request.GET)
    if changes is None:
        raise ValidationError(bound.errors())
    keys = [category] if category else list(time_travel.CATEGORIES)
    try:
        pages = time_travel.changed_deals(changes, keys, cursor=filters.cursor, size=limit)
    except (ValueError, ValidationError):
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    return {
        "from": changes.start_day,
        "to": changes.end_day,
        "time_zone": str(time_travel.user_zone(user)),
        "currency": settings.BASE_CURRENCY,
        "categories": [_category(item) for item in changes.categories],
        "total": _category(changes.total),
        "net_change": changes.net_change,
        "deals": {
            key: {
                "results": [_deal(deal) for deal in page.items],
                "next_cursor": page.next_cursor,
            }
            for key, page in pages.items()
        },
    }
