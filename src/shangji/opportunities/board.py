"""The pipeline board: a column per open stage, won/lost drop zones, their figures and cards.

Every figure comes from one aggregate query grouped by stage; each open column loads its first
cards by keyset (close date, id), so a page costs the same few queries whatever the data size.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django.db.models import Count, DecimalField, F, Sum
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.core.pagination import Page, keyset_page
from shangji.users.models import Team, User

from .choices import StageKind
from .filters import CLOSE_PERIODS, close_period_bounds
from .models import Opportunity, Pipeline, Stage

PAGE_SIZE = 20
HEALTH_TEMPLATE = "opportunities/partials/health_flags.html"
FILTER_NAMES = ("owner", "team", "close_period")
CENT = Decimal("0.01")


class BoardFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name", "id"),
        label=_("Owner"),
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), method="filter_team", label=_("Team")
    )
    close_period = django_filters.ChoiceFilter(
        choices=CLOSE_PERIODS, method="filter_close_period", label=_("Close period")
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name

    def filter_team(self, queryset, name, value):
        return queryset.filter(owner__team=value)

    def filter_close_period(self, queryset, name, value):
        start, end = close_period_bounds(value, timezone.localdate())
        return queryset.closing_between(start, end)


@dataclass
class Column:
    """One stage on the board with its figures (and, for an open stage, its first cards)."""

    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    page: Page | None = None
    cards: list = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.stage.kind == StageKind.OPEN


@dataclass
class Board:
    pipeline: Pipeline | None
    pipelines: list
    filter: BoardFilter
    valid: bool
    columns: list  # open stages, in order
    zones: list  # won and lost stages: figures only
    query: str  # the filters (and pipeline) as a query string, for links and moves

    @property
    def stages(self) -> list:
        return [column.stage for column in self.columns + self.zones]


def health_template() -> str | None:
    """The health-flags partial when it exists (it is built separately), else None."""
    try:
        get_template(HEALTH_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return HEALTH_TEMPLATE


def _filtered(user, params) -> tuple[BoardFilter, bool, object]:
    base = Opportunity.objects.visible_to(user)
    filterset = BoardFilter(params, queryset=base)
    if not filterset.is_valid():
        return filterset, False, base.none()
    return filterset, True, filterset.qs


def _card_queryset(queryset):
    queryset = queryset.select_related("account", "owner", "currency", "stage")
    # The health annotations come from another part of the board's issue; use them when present.
    if hasattr(queryset, "with_health"):
        queryset = queryset.with_health()
    return queryset


def _choose_pipeline(pipelines: list, value) -> Pipeline | None:
    by_id = {str(pipeline.pk): pipeline for pipeline in pipelines}
    if value and str(value) in by_id:
        return by_id[str(value)]
    return next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)


def board_query(params, pipeline) -> str:
    """The board's filters (valid or not) and pipeline, as an encoded query string."""
    query = params.copy()
    for key in list(query):
        if key not in FILTER_NAMES:
            query.pop(key)
    for key in FILTER_NAMES:
        if not query.get(key):
            query.pop(key, None)
    if pipeline is not None:
        query["pipeline"] = str(pipeline.pk)
    return query.urlencode()


def column_figures(queryset, stages) -> dict[int, tuple[int, Decimal, Decimal]]:
    """{stage id: (count, sum, weighted sum)} in the base currency, in one grouped query."""
    rows = (
        queryset.filter(stage_id__in=[stage.pk for stage in stages])
        .order_by()
        .values("stage_id")
        .annotate(
            count=Count("id"),
            total=Sum("amount_base"),
            weighted_hundreds=Sum(
                F("amount_base") * F("probability"),
                output_field=DecimalField(max_digits=24, decimal_places=2),
            ),
        )
    )
    return {
        row["stage_id"]: (
            row["count"],
            Decimal(row["total"] or 0).quantize(CENT),
            (Decimal(row["weighted_hundreds"] or 0) / 100).quantize(CENT),
        )
        for row in rows
    }


def board_stages(pipeline) -> list[Stage]:
    if pipeline is None:
        return []
    return list(Stage.objects.active().filter(pipeline=pipeline).order_by("position", "id"))


def _columns(queryset, stages) -> tuple[list[Column], list[Column]]:
    figures = column_figures(queryset, stages)
    columns, zones = [], []
    for stage in stages:
        count, total, weighted = figures.get(stage.pk, (0, Decimal("0.00"), Decimal("0.00")))
        column = Column(stage=stage, count=count, total=total, weighted=weighted)
        (columns if column.is_open else zones).append(column)
    return columns, zones


def board_get(*, user, params) -> Board:
    """The board of the chosen (or default) pipeline with each open column's first cards."""
    pipelines = list(Pipeline.objects.all())
    pipeline = _choose_pipeline(pipelines, params.get("pipeline"))
    filterset, valid, queryset = _filtered(user, params)
    columns, zones = _columns(queryset, board_stages(pipeline))
    if valid:
        cards = _card_queryset(queryset)
        for column in columns:
            if column.count:
                column.page = keyset_page(
                    cards.filter(stage_id=column.stage.pk), field="close_date", size=PAGE_SIZE
                )
                column.cards = column.page.items
    return Board(
        pipeline=pipeline,
        pipelines=pipelines,
        filter=filterset,
        valid=valid,
        columns=columns,
        zones=zones,
        query=board_query(params, pipeline),
    )


def board_column_page(*, user, stage: Stage, params, cursor: str | None) -> Page:
    """The next cards of one open column after `cursor` (ValueError on a bad cursor)."""
    _filterset, _valid, queryset = _filtered(user, params)
    return keyset_page(
        _card_queryset(queryset).filter(stage_id=stage.pk),
        field="close_date",
        cursor=cursor,
        size=PAGE_SIZE,
    )


def board_headers(*, user, params, pipeline) -> tuple[list[Column], list[Column]]:
    """Only the figures of every column (after a move), in one aggregate query."""
    _filterset, _valid, queryset = _filtered(user, params)
    return _columns(queryset, board_stages(pipeline))


def board_card(*, user, pk) -> Opportunity | None:
    """One card as the board shows it, or None if the user may no longer see it."""
    return _card_queryset(Opportunity.objects.visible_to(user)).filter(pk=pk).first()
