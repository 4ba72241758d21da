"""/board: the pipeline board as JSON, from the page's own selector (opportunities.board).

Thin on purpose: the query string goes to the same FilterSet and selector as the board page,
so a figure here is the figure the page shows for the same filters and user.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from shangji.opportunities import board
from shangji.opportunities.choices import StageKind
from shangji.opportunities.filters import CLOSE_PERIODS
from shangji.opportunities.health import FLAG_ANNOTATIONS
from shangji.opportunities.models import Opportunity, Stage

from .errors import READ_ERRORS
from .schemas import Cursor, DecimalString, ValidationErrorOut

router = Router(tags=["board"])

# Filters arrive as text and are validated by the page's FilterSet, so any invalid one is a
# 400 with field errors (as on the page), never a schema error.
IdParam = Annotated[str | None, WithJsonSchema({"type": "integer"})]
ClosePeriodParam = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "enum": [key for key, _label in CLOSE_PERIODS]}),
]


class BoardFilters(Schema):
    """The board page's filters (opportunities.board.BoardFilter)."""

    owner: IdParam = Field(None, description="Owner (user) id.")
    team: IdParam = Field(None, description="Team id: opportunities owned by its members.")
    close_period: ClosePeriodParam = Field(None, description="Expected close period.")


class BoardQuery(BoardFilters):
    pipeline: IdParam = Field(None, description="Pipeline id; the default pipeline if omitted.")


class ColumnQuery(BoardFilters):
    cursor: Cursor = None


class CardOut(Schema):
    id: int
    name: str
    account: int
    account_name: str
    amount: DecimalString
    currency: str
    amount_base: DecimalString = Field(description="In the base currency.")
    close_date: str
    owner: int
    owner_name: str
    probability: int
    version: int
    health: list[str] = Field(
        description="The deal health flags set on this opportunity (none on closed ones)."
    )


class ColumnOut(Schema):
    id: int = Field(description="The stage id.")
    name: str
    label: str = Field(description="The stage name in the request's language.")
    kind: str
    probability: int
    count: int
    sum: DecimalString = Field(description="Σ amount in the base currency.")
    weighted: DecimalString = Field(description="Σ amount × probability, base currency.")
    cards: list[CardOut] = Field(
        description=f"The first {board.PAGE_SIZE} cards of an open column, by close date; "
        "won and lost columns have figures only."
    )
    next_cursor: str | None = Field(
        description="For GET /board/columns/{stage_id}?cursor=…; null when all are shown."
    )


class PipelineRef(Schema):
    id: int
    name: str
    label: str


class BoardOut(Schema):
    pipeline: PipelineRef | None
    columns: list[ColumnOut] = Field(description="Open stages in order, then won and lost.")


class CardPage(Schema):
    results: list[CardOut]
    next_cursor: str | None


def card_data(opportunity: Opportunity) -> dict:
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "account": opportunity.account_id,
        "account_name": opportunity.account.name,
        "amount": opportunity.amount,
        "currency": opportunity.currency_id,
        "amount_base": opportunity.amount_base,
        "close_date": opportunity.close_date.isoformat(),
        "owner": opportunity.owner_id,
        "owner_name": opportunity.owner.display_name,
        "probability": opportunity.probability,
        "version": opportunity.version,
        "health": [
            key
            for key, annotation in FLAG_ANNOTATIONS.items()
            if getattr(opportunity, annotation, False)
        ],
    }


def _column_data(column: board.Column) -> dict:
    stage = column.stage
    return {
        "id": stage.pk,
        "name": stage.name,
        "label": str(stage.label),
        "kind": stage.kind,
        "probability": stage.probability,
        "count": column.count,
        "sum": column.total,
        "weighted": column.weighted,
        "cards": [card_data(card) for card in column.cards],
        "next_cursor": column.page.next_cursor if column.page else None,
    }


@router.get(
    "/board",
    response={200: BoardOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="The pipeline board",
    description="Every stage of the pipeline with its count, sum and weighted sum in the base "
    f"currency over the opportunities the caller may see, and the first {board.PAGE_SIZE} "
    "cards of each open column; filtered like the board page.",
)
def get_board(request, filters: Query[BoardQuery]):
    shown = board.board_get(user=request.auth, params=request.GET)
    if not shown.valid:
        raise ValidationError(shown.filter.form.errors.as_data())
    wanted = request.GET.get("pipeline")
    if wanted and (shown.pipeline is None or str(shown.pipeline.pk) != wanted):
        # The page falls back to the default pipeline; the API says so instead.
        raise ValidationError({"pipeline": [_("Select a valid choice.")]})
    pipeline = shown.pipeline
    return {
        "pipeline": (
            {"id": pipeline.pk, "name": pipeline.name, "label": str(pipeline.label)}
            if pipeline
            else None
        ),
        "columns": [_column_data(column) for column in shown.columns + shown.zones],
    }


@router.get(
    "/board/columns/{stage_id}",
    response={200: CardPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="More cards of a board column",
    description="The next cards of an open stage after `cursor` (a column's `next_cursor`), "
    "with the same filters as the board.",
)
def get_board_column(request, stage_id: int, filters: Query[ColumnQuery]):
    stage = get_object_or_404(Stage.objects.active().filter(kind=StageKind.OPEN), pk=stage_id)
    check = board.BoardFilter(request.GET, queryset=Opportunity.objects.none())
    if not check.is_valid():
        raise ValidationError(check.form.errors.as_data())
    try:
        page = board.board_column_page(
            user=request.auth, stage=stage, params=request.GET, cursor=filters.cursor or None
        )
    except (ValueError, ValidationError):
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    return {"results": [card_data(card) for card in page.items], "next_cursor": page.next_cursor}
