"""What the history rows tell: time in each stage, close-date slippage, stage-to-stage
conversion and each stage's historical win rate.

Every figure is one grouped query over the `OpportunityChange` rows of the opportunities in
scope (correlated subqueries on the (opportunity, changed_at) index), never a loop over deals.
"""

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lead
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.forecasting.filters import ReportFilter
from shangji.opportunities.choices import StageKind
from shangji.opportunities.health import close_date_pushes
from shangji.opportunities.models import OpportunityChange, Pipeline, Stage

from .base import (
    DAY_SECONDS,
    Column,
    DaysBetween,
    Report,
    Scope,
    chart_series,
    drill_url,
    in_days,
    seconds_between,
    share,
    win_rate,
)
from .performance import OWNER_FIELDS, RATE_COLOR, owner_label

OPEN_STAGE = Q(stage__kind=StageKind.OPEN)


def _open_stages() -> list[Stage]:
    """Every open stage, retired ones too, in pipeline and stage order."""
    return list(
        Stage.objects.filter(kind=StageKind.OPEN)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )


def _stage_rows(stages: list[Stage], figures: dict, filterset: ReportFilter):
    """(stage, label) of every active stage (of the chosen pipeline) and of any other stage
    with figures; a retired stage says so, and each names its pipeline when there are several."""
    pipeline = filterset.form.cleaned_data.get("pipeline")
    shown = [
        stage
        for stage in stages
        if stage.pk in figures
        or (stage.is_active and (pipeline is None or stage.pipeline_id == pipeline.pk))
    ]
    several_pipelines = len({stage.pipeline_id for stage in shown}) > 1
    labelled = []
    for stage in shown:
        label = f"{stage.pipeline.label} · {stage.label}" if several_pipelines else stage.label
        if not stage.is_active:
            label = _("%(stage)s (retired)") % {"stage": label}
        labelled.append((stage, label))
    return labelled


# 3. Time in each stage -------------------------------------------------------------------------

# A visit to a stage starts at the creation row or at a row whose stage differs from the one
# before it, and ends at the opportunity's next such row (won and lost visits do not count).
VISIT_START = Q(previous_stage__isnull=True) | ~Q(stage=F("previous_stage"))
FIGURES = ("visits", "total", "longest", "now", "now_total")


def time_in_stage(scope: Scope, filterset: ReportFilter) -> Report:
    """Per open stage: visits, average and longest days in it, and the deals in it now."""
    stages = _open_stages()
    # Each visit's end is the next visit's start (a window over the opportunity's visits),
    # else now; the aggregate reads that subquery once, with one set of figures per stage.
    visits = (
        OpportunityChange.objects.filter(VISIT_START, opportunity__in=scope.queryset.values("pk"))
        .order_by()
        .annotate(
            ended_at=Window(
                Lead("changed_at"),
                partition_by=[F("opportunity")],
                order_by=[F("changed_at").asc(), F("id").asc()],
            )
        )
        .annotate(
            seconds=seconds_between(
                "changed_at",
                Coalesce("ended_at", Value(timezone.now(), output_field=DateTimeField())),
            )
        )
    )
    aggregates = {}
    for stage in stages:
        here = Q(stage=stage.pk)
        ongoing = here & Q(ended_at__isnull=True)
        aggregates |= {
            f"visits_{stage.pk}": Count("id", filter=here),
            f"total_{stage.pk}": Sum("seconds", filter=here),
            f"longest_{stage.pk}": Max("seconds", filter=here),
            f"now_{stage.pk}": Count("id", filter=ongoing),
            f"now_total_{stage.pk}": Sum("seconds", filter=ongoing),
        }
    values = visits.aggregate(**aggregates) if aggregates else {}
    figures = {
        stage.pk: {name: values[f"{name}_{stage.pk}"] for name in FIGURES}
        for stage in stages
        if values.get(f"visits_{stage.pk}")
    }
    rows, urls = [], []
    for stage, label in _stage_rows(stages, figures, filterset):
        row = figures.get(stage.pk, {})
        visits, current = row.get("visits", 0), row.get("now", 0)
        rows.append(
            [
                label,
                visits,
                in_days(row.get("total"), visits),
                in_days(row.get("longest")),
                current,
                in_days(row.get("now_total"), current),
            ]
        )
        urls.append(drill_url(scope, stage=stage.pk, status=StageKind.OPEN.value))
    visits, current = sum(row[1] for row in rows), sum(row[4] for row in rows)
    totals = [
        _("Total"),
        visits,
        in_days(sum(row.get("total") or 0 for row in figures.values()), visits),
        in_days(max((row["longest"] for row in figures.values()), default=None)),
        current,
        in_days(sum(row.get("now_total") or 0 for row in figures.values()), current),
    ]
    columns = [
        Column(gettext_lazy("Stage")),
        Column(gettext_lazy("Visits"), "count"),
        Column(gettext_lazy("Average days"), "days"),
        Column(gettext_lazy("Longest (days)"), "days"),
        Column(gettext_lazy("In it now"), "count"),
        Column(gettext_lazy("In it now: average days"), "days"),
    ]
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Days"),
                "type": "bar",
                "axes": [_("Days"), _("Count")],
                "series": [
                    chart_series(_("Average days"), [row[2] for row in rows], urls),
                    chart_series(_("Longest (days)"), [row[3] for row in rows], urls),
                    {
                        **chart_series(
                            _("In it now"), [row[4] for row in rows], urls, axis=1, color=RATE_COLOR
                        ),
                        "type": "line",
                    },
                ],
            }
        ],
    }
    return Report(columns, rows, totals, chart)


# 4. Close-date slippage per rep ----------------------------------------------------------------


def _push_days():
    """The days the close date was pushed later in all, from the history rows."""
    days = (
        OpportunityChange.objects.filter(
            opportunity=OuterRef("pk"),
            previous_close_date__isnull=False,
            close_date__gt=F("previous_close_date"),
        )
        .order_by()
        .values("opportunity")
        .annotate(days=Sum(DaysBetween("close_date", "previous_close_date")))
        .values("days")
    )
    return Coalesce(Subquery(days, output_field=IntegerField()), 0)


def slippage(scope: Scope, filterset: ReportFilter) -> Report:
    """Per owner: deals, deals slipped, pushes of the close date and the days pushed."""
    twice = Q(_pushes__gte=2)
    figures = list(
        scope.queryset.alias(_pushes=close_date_pushes(), _days=_push_days())
        .values(*OWNER_FIELDS)
        .annotate(
            deals=Count("id"),
            slipped=Count("id", filter=Q(_pushes__gte=1)),
            pushes=Sum("_pushes"),
            days=Sum("_days"),
            twice=Count("id", filter=twice),
            open_twice=Count("id", filter=twice & OPEN_STAGE),
        )
        .order_by()
    )
    for row in figures:
        row["label"] = owner_label(row)
    figures.sort(key=lambda row: (-row["days"], -row["pushes"], row["label"], row["owner"]))
    rows, urls, flagged_urls = [], [], []
    for row in figures:
        rows.append(
            [
                row["label"],
                row["deals"],
                row["slipped"],
                row["pushes"],
                row["days"],
                in_days(row["days"] * DAY_SECONDS, row["pushes"]),
                row["twice"],
                row["open_twice"],
            ]
        )
        urls.append(drill_url(scope, owner=row["owner"]))
        flagged_urls.append(
            drill_url(scope, owner=row["owner"], status="open", health="slipped_twice")
        )
    pushes, days = sum(row[3] for row in rows), sum(row[4] for row in rows)
    totals = [
        _("Total"),
        sum(row[1] for row in rows),
        sum(row[2] for row in rows),
        pushes,
        days,
        in_days(days * DAY_SECONDS, pushes),
        sum(row[6] for row in rows),
        sum(row[7] for row in rows),
    ]
    columns = [
        Column(gettext_lazy("Owner")),
        Column(gettext_lazy("Deals"), "count"),
        Column(gettext_lazy("Deals slipped"), "count"),
        Column(gettext_lazy("Pushes"), "count"),
        Column(gettext_lazy("Days pushed"), "count"),
        Column(gettext_lazy("Average days per push"), "days"),
        Column(gettext_lazy("Slipped twice or more"), "count"),
        Column(gettext_lazy("Open, slipped twice or more"), "count"),
    ]
    # The list shows an owner's deals, and the open ones flagged "slipped twice"; it has no
    # filter for "slipped once", so those bars do not drill down.
    none = [None] * len(rows)
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Deals"),
                "type": "bar",
                "axes": [_("Count")],
                "series": [
                    chart_series(_("Deals"), [row[1] for row in rows], urls),
                    chart_series(_("Deals slipped"), [row[2] for row in rows], none),
                    chart_series(_("Slipped twice or more"), [row[6] for row in rows], none),
                    chart_series(
                        _("Open, slipped twice or more"), [row[7] for row in rows], flagged_urls
                    ),
                ],
            },
            {
                "label": _("Days pushed"),
                "type": "bar",
                "axes": [_("Days"), _("Count")],
                "series": [
                    chart_series(_("Days pushed"), [row[4] for row in rows], urls),
                    chart_series(_("Pushes"), [row[3] for row in rows], urls, axis=1),
                ],
            },
        ],
    }
    return Report(columns, rows, totals, chart)


# 6. Stage-to-stage conversion ------------------------------------------------------------------


def _conversion_pipeline(filterset: ReportFilter) -> Pipeline | None:
    pipeline = filterset.form.cleaned_data.get("pipeline")
    return pipeline or Pipeline.objects.filter(is_default=True).first()


def stage_conversion(scope: Scope, filterset: ReportFilter) -> Report:
    """Per open stage of one pipeline: deals that reached it, went on past it, and the rates."""
    pipeline = _conversion_pipeline(filterset)
    if pipeline is None:
        return Report([Column(gettext_lazy("Stage"))], [], None, {})
    history = OpportunityChange.objects.filter(opportunity=OuterRef("pk")).order_by()
    furthest = (
        history.filter(OPEN_STAGE, stage__pipeline=pipeline)
        .values("opportunity")
        .annotate(position=Max("stage__position"))
        .values("position")
    )
    # One row per (furthest open position reached, ever won, stage now): a handful of groups.
    groups = list(
        scope.queryset.filter(pipeline=pipeline)
        .annotate(
            _furthest=Subquery(furthest, output_field=IntegerField()),
            _won=Exists(history.filter(stage__kind=StageKind.WON)),
        )
        .values("_furthest", "_won", "stage")
        .annotate(count=Count("id"))
        .order_by()
    )
    own_stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))
    stages = [stage for stage in own_stages if stage.kind == StageKind.OPEN and stage.is_active]
    won_stages = {stage.pk for stage in own_stages if stage.kind == StageKind.WON}

    def reached(position: int | None, *, beyond: bool = False) -> int:
        return sum(
            group["count"]
            for group in groups
            if group["_won"]
            or (
                position is not None
                and group["_furthest"] is not None
                and (group["_furthest"] > position if beyond else group["_furthest"] >= position)
            )
        )

    def there_now(stage_ids) -> int:
        return sum(group["count"] for group in groups if group["stage"] in stage_ids)

    first = reached(stages[0].position) if stages else 0
    rows, urls = [], []
    for stage in stages:
        count, went_on = reached(stage.position), reached(stage.position, beyond=True)
        conversion, of_first = share(went_on, count), share(count, first)
        rows.append([stage.label, count, went_on, conversion, of_first, there_now({stage.pk})])
        urls.append(drill_url(scope, pipeline=pipeline.pk, stage=stage.pk, status="open"))
    won = reached(None)
    rows.append([_("Won"), won, None, None, share(won, first), there_now(won_stages)])
    urls.append(drill_url(scope, pipeline=pipeline.pk, status=StageKind.WON.value))
    totals = [
        _("All deals in the pipeline"),
        sum(group["count"] for group in groups),
        None,
        None,
        None,
        None,
    ]
    columns = [
        Column(gettext_lazy("Stage")),
        Column(gettext_lazy("Reached"), "count"),
        Column(gettext_lazy("Went on"), "count"),
        Column(gettext_lazy("Conversion to the next stage (%)"), "percent"),
        Column(gettext_lazy("Of the first stage (%)"), "percent"),
        Column(gettext_lazy("There now"), "count"),
    ]
    # The list cannot show "reached" (that is history), so the funnel does not drill down; the
    # deals there now do.
    none = [None] * len(rows)
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Funnel"),
                "type": "funnel",
                "series": [chart_series(_("Reached"), [row[1] for row in rows], none)],
            },
            {
                "label": _("Bar chart"),
                "type": "bar",
                "axes": [_("Count")],
                "series": [
                    chart_series(_("Reached"), [row[1] for row in rows], none),
                    chart_series(_("Went on"), [row[2] for row in rows], none),
                    chart_series(_("There now"), [row[5] for row in rows], urls),
                ],
            },
        ],
    }
    return Report(columns, rows, totals, chart)


# 7. Historical win rate per stage --------------------------------------------------------------


def stage_win_rates(scope: Scope, filterset: ReportFilter) -> Report:
    """Per open stage: closed deals that were ever in it, how many were won, beside the
    stage's configured probability."""
    closed = scope.queryset.exclude(stage__kind=StageKind.OPEN)
    history = OpportunityChange.objects.filter(OPEN_STAGE, opportunity__in=closed.values("pk"))
    if pipeline := filterset.form.cleaned_data.get("pipeline"):
        history = history.filter(stage__pipeline=pipeline)
    won_deal = Q(opportunity__stage__kind=StageKind.WON)
    figures = {
        row["stage"]: row
        for row in history.values("stage")
        .annotate(
            closed=Count("opportunity", distinct=True),
            won=Count("opportunity", distinct=True, filter=won_deal),
        )
        .order_by()
    }
    everything = closed.aggregate(
        closed=Count("id"), won=Count("id", filter=Q(stage__kind=StageKind.WON))
    )
    rows, urls = [], []
    for stage, label in _stage_rows(_open_stages(), figures, filterset):
        row = figures.get(stage.pk, {})
        closed_count, won = row.get("closed", 0), row.get("won", 0)
        rate = win_rate(won, closed_count - won)
        difference = None if rate is None else rate - stage.probability
        rows.append([label, closed_count, won, rate, stage.probability, difference])
        urls.append(drill_url(scope, stage=stage.pk, status=StageKind.OPEN.value))
    totals = [
        _("All closed deals"),
        everything["closed"],
        everything["won"],
        win_rate(everything["won"], everything["closed"] - everything["won"]),
        None,
        None,
    ]
    columns = [
        Column(gettext_lazy("Stage")),
        Column(gettext_lazy("Closed deals ever in it"), "count"),
        Column(gettext_lazy("Won"), "count"),
        Column(gettext_lazy("Historical win rate (%)"), "percent"),
        Column(gettext_lazy("Configured probability (%)"), "percent"),
        Column(gettext_lazy("Difference (points)"), "percent"),
    ]
    # Only the configured probability drills down: to the open deals weighted with it now.
    none = [None] * len(rows)
    chart = {
        "categories": [row[0] for row in rows],
        "views": [
            {
                "label": _("Bar chart"),
                "type": "bar",
                "axes": [_("Percent")],
                "percent_axis": 0,
                "series": [
                    chart_series(_("Historical win rate (%)"), [row[3] for row in rows], none),
                    chart_series(_("Configured probability (%)"), [row[4] for row in rows], urls),
                ],
            }
        ],
    }
    return Report(columns, rows, totals, chart)
