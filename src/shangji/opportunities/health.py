"""Deal health flags: what needs attention on an open opportunity, computed in SQL.

Each flag is a boolean SQL condition on one opportunity row (EXISTS / COUNT subqueries over
indexed columns), so the list page, the board and the API annotate or filter a page of
opportunities in one query. Closed opportunities have no flags.

- stale: no activity in the last N days (N is the stage's `stale_after_days`) and nothing
  scheduled ahead. An activity counts when its time (`occurred_at`: a call's or meeting's
  start, a task's due time, a note's or an e-mail's time) or a task's completion lies between
  now − N days and now; calls and meetings marked "not held" do not count. A planned call or
  meeting, or an unfinished task, due after now means the deal is being worked: not stale.
  An opportunity created less than N days ago is not stale.
- close_date_passed: the expected close date is before today (the user's local date).
- slipped_twice: the close date was pushed later two or more times (its history rows).
- no_next_step: the next step is empty.
- no_decision_maker: no contact on the opportunity has a decision-maker role.
"""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Trim
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.activities.choices import DONE_STATUSES, ActivityKind, CallStatus
from shangji.activities.models import Activity

from .choices import DECISION_MAKER_ROLES, StageKind
from .models import OpportunityChange, OpportunityContact

# Flag key (the filter's value, the template's name) → the annotation with_health() adds.
FLAG_ANNOTATIONS = {
    "stale": "is_stale",
    "close_date_passed": "close_date_passed",
    "slipped_twice": "slipped_twice",
    "no_next_step": "no_next_step",
    "no_decision_maker": "no_decision_maker",
}

FLAG_CHOICES = [
    ("stale", _("Stale")),
    ("close_date_passed", _("Close date passed")),
    ("slipped_twice", _("Slipped twice")),
    ("no_next_step", _("No next step")),
    ("no_decision_maker", _("No decision maker")),
]

IS_OPEN = Q(stage__kind=StageKind.OPEN)


def _stale_cutoff(now: datetime.datetime):
    """now − the stage's stale_after_days, per row (portable interval arithmetic)."""
    days = ExpressionWrapper(
        Cast(F("stage__stale_after_days"), IntegerField()) * Value(datetime.timedelta(days=1)),
        output_field=DurationField(),
    )
    return ExpressionWrapper(Value(now, output_field=DateTimeField()) - days, DateTimeField())


def stale_condition(now: datetime.datetime) -> Q:
    """Open, older than its stage's N days, no activity in them and none scheduled ahead."""
    own = Activity.objects.filter(opportunity=OuterRef("pk")).order_by()
    recent = own.exclude(
        kind__in=[ActivityKind.CALL, ActivityKind.MEETING], status=CallStatus.NOT_HELD
    ).filter(
        Q(occurred_at__gte=OuterRef("_health_cutoff"), occurred_at__lte=now)
        | Q(completed_at__gte=OuterRef("_health_cutoff"), completed_at__lte=now)
    )
    scheduled = own.filter(
        kind__in=[ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.TASK],
        occurred_at__gt=now,
    ).exclude(status__in=DONE_STATUSES)
    return IS_OPEN & Q(created_at__lt=F("_health_cutoff")) & ~Exists(recent) & ~Exists(scheduled)


def close_date_passed_condition(today: datetime.date) -> Q:
    return IS_OPEN & Q(close_date__lt=today)


def close_date_pushes():
    """How many times the close date moved later, from the history rows."""
    pushes = (
        OpportunityChange.objects.filter(
            opportunity=OuterRef("pk"),
            previous_close_date__isnull=False,
            close_date__gt=F("previous_close_date"),
        )
        .order_by()
        .values("opportunity")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(pushes, output_field=IntegerField()), 0)


def slipped_twice_condition() -> Q:
    return IS_OPEN & Q(_health_pushes__gte=2)


def no_next_step_condition() -> Q:
    return IS_OPEN & Q(Exact(Trim("next_step"), Value("")))


def no_decision_maker_condition() -> Q:
    decision_makers = OpportunityContact.objects.filter(
        opportunity=OuterRef("pk"), role__in=sorted(DECISION_MAKER_ROLES)
    )
    return IS_OPEN & ~Exists(decision_makers)


def _conditions(now: datetime.datetime) -> dict[str, Q]:
    today = timezone.localdate(now)
    return {
        "is_stale": stale_condition(now),
        "close_date_passed": close_date_passed_condition(today),
        "slipped_twice": slipped_twice_condition(),
        "no_next_step": no_next_step_condition(),
        "no_decision_maker": no_decision_maker_condition(),
    }


def _with_helpers(queryset, now: datetime.datetime):
    """The per-row values the conditions refer to, as aliases (not selected)."""
    helpers = {}
    if "_health_cutoff" not in queryset.query.annotations:
        helpers["_health_cutoff"] = _stale_cutoff(now)
    if "_health_pushes" not in queryset.query.annotations:
        helpers["_health_pushes"] = close_date_pushes()
    return queryset.alias(**helpers) if helpers else queryset


def annotate_health(queryset, now: datetime.datetime | None = None):
    """`queryset` with the boolean flags and `health_flag_count` (see the module docstring)."""
    now = now or timezone.now()
    queryset = _with_helpers(queryset, now)
    conditions = _conditions(now)
    queryset = queryset.annotate(
        **{
            name: ExpressionWrapper(condition, output_field=BooleanField())
            for name, condition in conditions.items()
        }
    )
    count = sum(
        (
            ExpressionWrapper(
                _case_one(condition),
                output_field=IntegerField(),
            )
            for condition in conditions.values()
        ),
        start=Value(0),
    )
    return queryset.annotate(health_flag_count=count)


def _case_one(condition: Q):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def filter_by_flags(queryset, flags, now: datetime.datetime | None = None):
    """The opportunities with any of `flags` (keys of FLAG_ANNOTATIONS)."""
    if not flags:
        return queryset
    annotated = queryset.query.annotations
    if all(name in annotated for name in FLAG_ANNOTATIONS.values()):
        # Already annotated by with_health(): filter on those, so one clock reading serves both.
        matched = Q()
        for flag in flags:
            matched |= Q(**{FLAG_ANNOTATIONS[flag]: True})
        return queryset.filter(matched)
    now = now or timezone.now()
    queryset = _with_helpers(queryset, now)
    conditions = _conditions(now)
    matched = Q()
    for flag in flags:
        matched |= conditions[FLAG_ANNOTATIONS[flag]]
    return queryset.filter(matched)


def health_summary(queryset, now: datetime.datetime | None = None) -> dict[str, dict]:
    """Flag key → {count, amount} of the open deals of `queryset` with that flag, and "open"
    → all open deals; one aggregate query."""
    now = now or timezone.now()
    by_annotation = _conditions(now)
    conditions = {flag: by_annotation[name] for flag, name in FLAG_ANNOTATIONS.items()}
    conditions["open"] = IS_OPEN
    aggregates = {}
    for flag, condition in conditions.items():
        aggregates[f"{flag}__count"] = Count("pk", filter=condition)
        aggregates[f"{flag}__amount"] = Sum("amount_base", filter=condition)
    # aggregate() would wrap the subqueries in an outer query that cannot see the row; one
    # group over a constant keeps them inline, in the same single SELECT.
    rows = _with_helpers(queryset.order_by(), now).values(everything=Value(1))
    totals = rows.annotate(**aggregates).values(*aggregates).first() or {}
    return {
        flag: {"count": totals.get(f"{flag}__count", 0), "amount": totals.get(f"{flag}__amount")}
        for flag in conditions
    }
