"""Time travel: the pipeline as it stood at the end of a past day, and what changed between two.

The state of an opportunity at an instant is its latest history row (OpportunityChange) written
before it, ties broken by id; an opportunity without such a row did not exist yet. A day ends at
midnight in the user's time zone. Deleted opportunities lose their history with them, so they
appear on no date. Visibility is today's (`visible_to(user)`); the owner and team filters apply
to the owner the history row names — a team being that owner's team today (teams keep no
history) — and the pipeline filter to the row's stage's pipeline.

Every figure is an aggregate query: the state rows are one correlated subquery per opportunity
over the index (opportunity, -changed_at, -id); "before" and "after" are joined in SQL.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.core.pagination import Page, keyset_page
from shangji.opportunities.choices import StageKind
from shangji.opportunities.models import Opportunity, OpportunityChange, Stage

from .filters import ReportFilter
from .reports.base import ZERO, drill_url, report_scope, to_cents, weighted_sum

DEALS_PER_CATEGORY = 50
MAX_DEALS_PER_PAGE = 200
WEIGHT = DecimalField(max_digits=30, decimal_places=4)


# When: the user's days, and the state of each opportunity at an instant ------------------------


def user_zone(user) -> datetime.tzinfo:
    """The user's time zone, or the server's if theirs is unknown."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, AttributeError):
        return timezone.get_default_timezone()


def day_end(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    """The first instant after `day` in `zone`: the end of the day is everything before it."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)


def _latest_change(before: datetime.datetime, opportunity=None) -> Subquery:
    """The id of the opportunity's latest history row before `before` (NULL if none)."""
    return Subquery(
        OpportunityChange.objects.filter(
            opportunity=opportunity if opportunity is not None else OuterRef("pk"),
            changed_at__lt=before,
        )
        .order_by("-changed_at", "-id")
        .values("id")[:1]
    )


def states_at(opportunities: QuerySet, before: datetime.datetime) -> QuerySet:
    """The state of each of `opportunities` just before `before`: its latest history row."""
    # No NULL filter needed: an opportunity without a row by then adds a NULL no id equals.
    ids = opportunities.order_by().annotate(state=_latest_change(before)).values("state")
    return OpportunityChange.objects.filter(id__in=ids)


# The filters ------------------------------------------------------------------------------------

FILTER_NAMES = ("owner", "team", "pipeline")


class TimeTravelFilter(ReportFilter):
    """The reports' owner, team and pipeline filters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: self.filters[name] for name in FILTER_NAMES}


def _future_error() -> forms.ValidationError:
    return forms.ValidationError(_("Choose a day that is not in the future."), code="future")


class PipelineOnForm(forms.Form):
    """The day whose end the pipeline is shown at (today or earlier)."""

    date = forms.DateField(
        label=gettext_lazy("Pipeline at the end of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > self.today:
            raise _future_error()
        return day


class PipelineChangesForm(forms.Form):
    """The two days whose ends are compared: `from` ≤ `to` ≤ today."""

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # "from" is a Python keyword, so the fields are added here rather than declared.
        for name, label in (("from", _("From the end of")), ("to", _("To the end of"))):
            widget = forms.DateInput(
                attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d"
            )
            self.fields[name] = forms.DateField(label=label, widget=widget)

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            if data.get(name) and data[name] > self.today:
                self.add_error(name, _future_error())
        start, end = data.get("from"), data.get("to")
        if start and end and start > end and not self.errors:
            self.add_error(
                "to", forms.ValidationError(_("Choose a day on or after the first day."), "order")
            )
        return data


def _history_scope(data: dict) -> Q:
    """The owner, team and pipeline filters on history rows (the owner and stage back then)."""
    condition = Q()
    if owners := data.get("owner"):
        condition &= Q(owner__in=owners)
    if team := data.get("team"):
        condition &= Q(owner__team=team)
    if pipeline := data.get("pipeline"):
        condition &= Q(stage__pipeline=pipeline)
    return condition


@dataclass
class Bound:
    """The parsed request: the dates form and the filters; `valid` when both are."""

    form: forms.Form
    filter: TimeTravelFilter

    @property
    def valid(self) -> bool:
        return self.form.is_valid() & self.filter.is_valid()

    def errors(self) -> dict:
        """Every field error of both, as ValidationErrors by field."""
        return {**self.form.errors.as_data(), **self.filter.form.errors.as_data()}


def user_today(user) -> datetime.date:
    return timezone.localdate(timezone=user_zone(user))


def _bind(form_class, *, user, params) -> Bound:
    filterset = TimeTravelFilter(
        params, queryset=Opportunity.objects.visible_to(user), request=None
    )
    return Bound(form_class(params, today=user_today(user)), filterset)


def pipeline_on_get(*, user, params) -> tuple[Bound, "PipelineOn | None"]:
    """The bound form and filters, and the pipeline on the day (None if either is invalid)."""
    bound = _bind(PipelineOnForm, user=user, params=params)
    return bound, pipeline_on(user=user, bound=bound) if bound.valid else None


def pipeline_changes_get(*, user, params) -> tuple[Bound, "PipelineChanges | None"]:
    """The bound form and filters, and the changes between the days (None if invalid)."""
    bound = _bind(PipelineChangesForm, user=user, params=params)
    return bound, pipeline_changes(user=user, bound=bound) if bound.valid else None


# 1. The pipeline on a day ----------------------------------------------------------------------


@dataclass
class Figures:
    """A count and amount in the base currency; weighted on open stages only."""

    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal | None = None

    def __add__(self, other: "Figures") -> "Figures":
        weighted = None
        if self.weighted is not None or other.weighted is not None:
            weighted = (self.weighted or ZERO) + (other.weighted or ZERO)
        return Figures(self.count + other.count, self.amount + other.amount, weighted)


@dataclass
class PipelineLine:
    """One line of the table: a stage, the open total, won or lost — then and now."""

    key: str
    label: str
    then: Figures
    now: Figures
    now_url: str | None = None
    stage: Stage | None = None

    @property
    def count_change(self) -> int:
        return self.now.count - self.then.count

    @property
    def amount_change(self) -> Decimal:
        return self.now.amount - self.then.amount


@dataclass
class PipelineOn:
    """The pipeline at the end of `day` beside today's: per open stage, open total, won, lost."""

    day: datetime.date
    instant: datetime.datetime
    stages: list[PipelineLine]
    open: PipelineLine
    won: PipelineLine
    lost: PipelineLine

    def lines(self) -> list[PipelineLine]:
        return [*self.stages, self.open, self.won, self.lost]


def _by_stage(queryset: QuerySet) -> dict[int, dict]:
    """Stage id → count, Σ amount_base and Σ amount_base × probability (one query)."""
    rows = (
        queryset.values("stage")
        .annotate(
            count=Count("id"),
            amount=Sum("amount_base"),
            weighted=Sum(F("amount_base") * F("probability"), output_field=WEIGHT),
        )
        .order_by()
    )
    return {row["stage"]: row for row in rows}


def _figures(row: dict | None, *, weighted: bool) -> Figures:
    row = row or {}
    return Figures(
        row.get("count", 0),
        to_cents(row.get("amount")),
        weighted_sum(row.get("weighted")) if weighted else None,
    )


def stage_label(stage: Stage, several_pipelines: bool) -> str:
    label = f"{stage.pipeline.label} · {stage.label}" if several_pipelines else stage.label
    return label if stage.is_active else _("%(stage)s (retired)") % {"stage": label}


def pipeline_on(*, user, bound: Bound) -> PipelineOn:
    """The pipeline at the end of the form's day, and today's, for a valid `bound`."""
    day = bound.form.cleaned_data["date"]
    data = bound.filter.form.cleaned_data
    instant = day_end(day, user_zone(user))
    then_rows = states_at(Opportunity.objects.visible_to(user), instant).filter(
        _history_scope(data)
    )
    then, now = _by_stage(then_rows), _by_stage(bound.filter.qs.order_by())
    # Every active open stage shows; any other stage only while deals sit in it then or now.
    in_scope = Q(is_active=True, kind=StageKind.OPEN)
    if data.get("pipeline"):
        in_scope &= Q(pipeline=data["pipeline"])
    stages = list(
        Stage.objects.filter(in_scope | Q(pk__in={*then, *now}))
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )
    several = len({stage.pipeline_id for stage in stages}) > 1
    scope = report_scope(bound.filter)
    lines: list[PipelineLine] = []
    won = PipelineLine("won", _("Won"), Figures(), Figures())
    lost = PipelineLine("lost", _("Lost"), Figures(), Figures())
    for stage in stages:
        if stage.kind == StageKind.OPEN:
            lines.append(
                PipelineLine(
                    str(stage.pk),
                    stage_label(stage, several),
                    _figures(then.get(stage.pk), weighted=True),
                    _figures(now.get(stage.pk), weighted=True),
                    drill_url(scope, stage=stage.pk, status="open"),
                    stage,
                )
            )
        else:
            closed = won if stage.kind == StageKind.WON else lost
            closed.then += _figures(then.get(stage.pk), weighted=False)
            closed.now += _figures(now.get(stage.pk), weighted=False)
    won.now_url = drill_url(scope, status="won")
    lost.now_url = drill_url(scope, status="lost")
    total = PipelineLine(
        "open",
        _("Total open"),
        sum((line.then for line in lines), Figures(weighted=ZERO)),
        sum((line.now for line in lines), Figures(weighted=ZERO)),
        drill_url(scope, status="open"),
    )
    return PipelineOn(day, instant, lines, total, won, lost)


# 2. What changed between two days ----------------------------------------------------------------

CATEGORY_LABELS: dict[str, Promise] = {
    "new": gettext_lazy("New"),
    "won": gettext_lazy("Won"),
    "lost": gettext_lazy("Lost"),
    "reopened": gettext_lazy("Reopened"),
    "moved_forward": gettext_lazy("Moved forward"),
    "moved_backward": gettext_lazy("Moved backward"),
    "slipped": gettext_lazy("Close date slipped"),
    "pulled_in": gettext_lazy("Close date pulled in"),
    "amount_up": gettext_lazy("Amount up"),
    "amount_down": gettext_lazy("Amount down"),
}
CATEGORIES = tuple(CATEGORY_LABELS)

_OPEN_BOTH = Q(stage__kind=StageKind.OPEN, before_kind=StageKind.OPEN)
# The conditions on a deal that existed at both ends (after = the row itself, before_* joined).
PAIR_CONDITIONS: dict[str, Q] = {
    "won": Q(stage__kind=StageKind.WON) & ~Q(before_kind=StageKind.WON),
    "lost": Q(stage__kind=StageKind.LOST) & ~Q(before_kind=StageKind.LOST),
    "reopened": Q(stage__kind=StageKind.OPEN) & ~Q(before_kind=StageKind.OPEN),
    "moved_forward": _OPEN_BOTH & Q(stage__position__gt=F("before_position")),
    "moved_backward": _OPEN_BOTH
    & ~Q(stage=F("before_stage"))
    & Q(stage__position__lte=F("before_position")),
    "slipped": Q(close_date__gt=F("before_close_date")),
    "pulled_in": Q(close_date__lt=F("before_close_date")),
    "amount_up": Q(amount_base__gt=F("before_amount")),
    "amount_down": Q(amount_base__lt=F("before_amount")),
}


@dataclass
class Category:
    """A kind of change: how many deals, their amount at the end, and the change or days."""

    key: str
    label: str
    count: int = 0
    amount: Decimal = ZERO
    change: Decimal | None = None
    days: int | None = None


@dataclass
class ChangeScope:
    """The deals compared: their state at the end (`after`), the new ones and the pairs."""

    after: QuerySet
    new: QuerySet
    pairs: QuerySet
    start: datetime.datetime

    def category(self, key: str) -> QuerySet:
        """The end-state rows of the deals in category `key`."""
        if key == "new":
            ids = Q(id__in=self.new.values("id"))
        else:
            ids = Q(id__in=self.pairs.filter(PAIR_CONDITIONS[key]).values("id"))
            if key in ("won", "lost"):
                ids |= Q(id__in=self.new.filter(stage__kind=key).values("id"))
        return self.after.filter(ids)


@dataclass
class PipelineChanges:
    """What changed between the ends of two days, per category, with the changed deals total."""

    start_day: datetime.date
    end_day: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    categories: list[Category]
    total: Category
    net_change: Decimal
    scope: ChangeScope

    def get(self, key: str) -> Category:
        return next(category for category in self.categories if category.key == key)


def change_scope(*, user, bound: Bound) -> ChangeScope:
    """The deals to compare for a valid `bound`, filtered by their owner and stage at the end."""
    zone = user_zone(user)
    start = day_end(bound.form.cleaned_data["from"], zone)
    end = day_end(bound.form.cleaned_data["to"], zone)
    after = states_at(Opportunity.objects.visible_to(user), end).filter(
        _history_scope(bound.filter.form.cleaned_data)
    )
    existed = OpportunityChange.objects.filter(
        opportunity=OuterRef("opportunity"), changed_at__lt=start
    )
    # The join to the deal's state at the start: the history row whose id is the latest then.
    pairs = after.filter(
        opportunity__changes__id=_latest_change(start, OuterRef("opportunity"))
    ).annotate(
        before_stage=F("opportunity__changes__stage"),
        before_kind=F("opportunity__changes__stage__kind"),
        before_position=F("opportunity__changes__stage__position"),
        before_close_date=F("opportunity__changes__close_date"),
        before_amount=F("opportunity__changes__amount_base"),
    )
    return ChangeScope(after=after, new=after.filter(~Exists(existed)), pairs=pairs, start=start)


def _days(value: datetime.timedelta | None) -> int:
    return value.days if value else 0


def pipeline_changes(*, user, bound: Bound) -> PipelineChanges:
    """The counts and amounts per category of change between the form's two days (two queries)."""
    scope = change_scope(user=user, bound=bound)
    aggregates = {}
    for key, condition in PAIR_CONDITIONS.items():
        aggregates[f"{key}_count"] = Count("id", filter=condition)
        aggregates[f"{key}_amount"] = Sum("amount_base", filter=condition)
    changed = Q()
    for condition in PAIR_CONDITIONS.values():
        changed |= condition
    pair = scope.pairs.aggregate(
        **aggregates,
        slipped_days=Sum(
            F("close_date") - F("before_close_date"),
            filter=PAIR_CONDITIONS["slipped"],
            output_field=DurationField(),
        ),
        pulled_in_days=Sum(
            F("before_close_date") - F("close_date"),
            filter=PAIR_CONDITIONS["pulled_in"],
            output_field=DurationField(),
        ),
        up=Sum(F("amount_base") - F("before_amount"), filter=PAIR_CONDITIONS["amount_up"]),
        down=Sum(F("amount_base") - F("before_amount"), filter=PAIR_CONDITIONS["amount_down"]),
        changed_count=Count("id", filter=changed),
        changed_amount=Sum("amount_base", filter=changed),
    )
    won, lost = Q(stage__kind=StageKind.WON), Q(stage__kind=StageKind.LOST)
    new = scope.new.aggregate(
        count=Count("id"),
        amount=Sum("amount_base"),
        won_count=Count("id", filter=won),
        won_amount=Sum("amount_base", filter=won),
        lost_count=Count("id", filter=lost),
        lost_amount=Sum("amount_base", filter=lost),
    )
    label = CATEGORY_LABELS["new"]
    categories = [Category("new", str(label), new["count"], to_cents(new["amount"]))]
    for key in PAIR_CONDITIONS:
        category = Category(
            key, str(CATEGORY_LABELS[key]), pair[f"{key}_count"], to_cents(pair[f"{key}_amount"])
        )
        if key in ("won", "lost"):
            category.count += new[f"{key}_count"]
            category.amount += to_cents(new[f"{key}_amount"])
        categories.append(category)
    up, down = to_cents(pair["up"]), to_cents(pair["down"])
    result = PipelineChanges(
        start_day=bound.form.cleaned_data["from"],
        end_day=bound.form.cleaned_data["to"],
        start=scope.start,
        end=day_end(bound.form.cleaned_data["to"], user_zone(user)),
        categories=categories,
        total=Category(
            "total",
            _("Changed deals"),
            pair["changed_count"] + new["count"],
            to_cents(pair["changed_amount"]) + to_cents(new["amount"]),
        ),
        net_change=up + down,
        scope=scope,
    )
    result.get("slipped").days = _days(pair["slipped_days"])
    result.get("pulled_in").days = _days(pair["pulled_in_days"])
    result.get("amount_up").change = up
    result.get("amount_down").change = down
    return result


@dataclass
class DealChange:
    """One changed deal: its state at the start (None if new) and at the end."""

    before: OpportunityChange | None
    after: OpportunityChange

    @property
    def opportunity(self) -> Opportunity:
        return self.after.opportunity

    @property
    def amount_change(self) -> Decimal | None:
        return None if self.before is None else self.after.amount_base - self.before.amount_base

    def cells(self) -> list[tuple[str, object, object]]:
        """(kind, before, after) per column of the changed deals' table; before None if new."""
        before, after = self.before, self.after
        return [
            ("text", before and before.owner.display_name, after.owner.display_name),
            ("text", before and stage_label(before.stage, False), stage_label(after.stage, False)),
            ("money", before and before.amount_base, after.amount_base),
            ("date", before and before.close_date, after.close_date),
            ("count", before and before.probability, after.probability),
        ]

    @property
    def close_date_days(self) -> int | None:
        """Days the close date moved (later is positive)."""
        if self.before is None:
            return None
        return (self.after.close_date - self.before.close_date).days


def changed_deals(
    changes: PipelineChanges, keys, *, cursor: str | None = None, size: int | None = None
) -> dict[str, Page]:
    """Per category key: a page of its deals, largest amount first (two queries per category,
    one more for all the start states); a malformed cursor raises ValueError."""
    size = max(1, min(size or DEALS_PER_CATEGORY, MAX_DEALS_PER_PAGE))
    pages: dict[str, Page] = {}
    counts = {item.key: item.count for item in changes.categories}
    for key in keys:
        if not counts[key]:
            pages[key] = Page(items=[], next_cursor=None, has_previous=bool(cursor))
            continue
        queryset = (
            changes.scope.category(key)
            .select_related("opportunity", "stage__pipeline", "owner", "currency")
            .annotate(before_id=_latest_change(changes.start, OuterRef("opportunity")))
        )
        pages[key] = keyset_page(
            queryset, field="amount_base", descending=True, cursor=cursor, size=size
        )
    before_ids = {row.before_id for page in pages.values() for row in page.items}
    before = OpportunityChange.objects.select_related("stage__pipeline", "owner", "currency")
    states = before.in_bulk(before_ids - {None}) if before_ids - {None} else {}
    for page in pages.values():
        page.items = [DealChange(states.get(row.before_id), row) for row in page.items]
    return pages
