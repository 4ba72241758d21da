"""Reads of activities: a record's timeline, the activity list and the rep's "my work"."""

import base64
import datetime
import json
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from shangji.opportunities.models import Opportunity, OpportunityChange

from .choices import ActivityKind, CallStatus
from .filters import ActivityFilter
from .models import Activity, ActivityParticipant
from .services import may_edit_activity

CHANGE = "change"
TIMELINE_KINDS = [*ActivityKind.values, CHANGE]
PLANNED_LIMIT = 20
TIMELINE_MAX_SIZE = 200
# Two rows at the same moment: activities sort above history rows (rank 1 over 0).
_RANK = {"activity": 1, CHANGE: 0}
_ACTIVITY_RELATIONS = (
    "owner__team",
    "opportunity__owner__team",
    "account",
    "contact",
    "lead__owner__team",
    "email",
    "created_by",
)


@dataclass
class TimelineEntry:
    """One row of a timeline: an activity, or (kind "change") an opportunity history row."""

    kind: str
    occurred_at: datetime.datetime
    activity: Activity | None = None
    change: OpportunityChange | None = None

    @property
    def key(self) -> tuple[datetime.datetime, int, int]:
        """The keyset position: (time, type rank, id), compared newest first."""
        if self.activity is not None:
            return (self.occurred_at, _RANK["activity"], self.activity.pk)
        assert self.change is not None
        return (self.occurred_at, _RANK[CHANGE], self.change.pk)


@dataclass
class TimelinePage:
    """A page of a timeline, the cursor of the next one, and (first page only) planned work."""

    entries: list[TimelineEntry]
    next_cursor: str | None
    planned: list[Activity]


def encode_timeline_cursor(key: tuple[datetime.datetime, int, int]) -> str:
    moment, rank, pk = key
    raw = json.dumps({"t": moment.isoformat(), "r": rank, "id": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_timeline_cursor(cursor: str) -> tuple[datetime.datetime, int, int]:
    """(time, rank, id) from a cursor; raises ValueError on a malformed one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.datetime.fromisoformat(data["t"])
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, int(data["r"]), int(data["id"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError("bad cursor") from error


def _after(key: tuple[datetime.datetime, int, int] | None, rank: int, time_field: str) -> Q:
    """Rows of type `rank` that come after `key` in the newest-first order."""
    if key is None:
        return Q()
    moment, cursor_rank, pk = key
    if rank < cursor_rank:
        return Q(**{f"{time_field}__lte": moment})
    if rank == cursor_rank:
        return Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "id__lt": pk})
    return Q(**{f"{time_field}__lt": moment})


def with_timeline_relations(activities: QuerySet) -> QuerySet:
    """What a timeline or list row shows of an activity, in a fixed number of queries."""
    return activities.select_related(*_ACTIVITY_RELATIONS).prefetch_related(
        "attachments",
        Prefetch(
            "participants",
            queryset=ActivityParticipant.objects.select_related("user", "contact").order_by("id"),
        ),
    )


def record_activities(*, user, opportunity=None, account=None, contact=None, lead=None) -> QuerySet:
    """The activities of one record that `user` may see (a contact's: linked or attending)."""
    if sum(record is not None for record in (opportunity, account, contact, lead)) != 1:
        raise ValueError("Give exactly one of opportunity, account, contact or lead.")
    activities = Activity.objects.visible_to(user)
    if opportunity is not None:
        return activities.filter(opportunity=opportunity)
    if account is not None:
        return activities.filter(account=account)
    if lead is not None:
        return activities.filter(lead=lead)
    attending = ActivityParticipant.objects.filter(contact=contact).values("activity_id")
    return activities.filter(Q(contact=contact) | Q(pk__in=attending))


def _record_changes(*, user, opportunity=None, account=None) -> QuerySet:
    visible = Opportunity.objects.visible_to(user)
    if opportunity is not None:
        visible = visible.filter(pk=opportunity.pk)
    else:
        visible = visible.filter(account=account)
    return OpportunityChange.objects.filter(opportunity__in=visible.values("pk")).select_related(
        "opportunity",
        "stage",
        "previous_stage",
        "owner",
        "previous_owner",
        "actor",
    )


def activity_timeline(
    *,
    user,
    opportunity=None,
    account=None,
    contact=None,
    lead=None,
    kinds: list[str] | None = None,
    cursor: str | None = None,
    size: int = 30,
) -> TimelinePage:
    """A record's activities and (opportunity, account) history rows, newest first.

    The record is one of `opportunity`, `account`, `contact` and `lead`.

    Pages are keyset by (time, type, id): `cursor` is the previous page's `next_cursor` (a
    malformed one raises ValueError). `kinds` keeps those activity kinds and, with "change",
    the history rows (None or empty: everything; unknown kinds match nothing). `size` is
    capped at TIMELINE_MAX_SIZE. At most five queries whatever the size.
    """
    size = min(max(1, int(size)), TIMELINE_MAX_SIZE)
    after = decode_timeline_cursor(cursor) if cursor else None
    wanted = set(kinds or TIMELINE_KINDS)
    activity_kinds = sorted(wanted & set(ActivityKind.values))
    activities = record_activities(
        user=user, opportunity=opportunity, account=account, contact=contact, lead=lead
    )
    entries: list[TimelineEntry] = []
    if activity_kinds:
        rows = with_timeline_relations(
            activities.filter(kind__in=activity_kinds).filter(
                _after(after, _RANK["activity"], "occurred_at")
            )
        ).order_by("-occurred_at", "-id")[: size + 1]
        entries += [TimelineEntry(row.kind, row.occurred_at, activity=row) for row in rows]
    if CHANGE in wanted and (opportunity is not None or account is not None):
        changes = (
            _record_changes(user=user, opportunity=opportunity, account=account)
            .filter(_after(after, _RANK[CHANGE], "changed_at"))
            .order_by("-changed_at", "-id")[: size + 1]
        )
        entries += [TimelineEntry(CHANGE, row.changed_at, change=row) for row in changes]
    entries.sort(key=lambda entry: entry.key, reverse=True)
    next_cursor = encode_timeline_cursor(entries[size - 1].key) if len(entries) > size else None
    planned: list[Activity] = []
    planned_kinds = [kind for kind in activity_kinds if kind in _PLANNABLE]
    if cursor is None and planned_kinds:
        planned = _planned(activities.filter(kind__in=planned_kinds))
    return TimelinePage(entries=entries[:size], next_cursor=next_cursor, planned=planned)


_PLANNABLE = {ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.TASK}


def _start_of_today(now: datetime.datetime | None = None) -> datetime.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _planned(activities: QuerySet) -> list[Activity]:
    """Open tasks (overdue too) and calls and meetings still planned from today on."""
    upcoming = Q(kind=ActivityKind.TASK) | Q(
        status=CallStatus.PLANNED, starts_at__gte=_start_of_today()
    )
    rows = (
        activities.open()
        .filter(upcoming)
        .select_related(*_ACTIVITY_RELATIONS)
        .order_by(F("starts_at").asc(nulls_last=True), "id")[:PLANNED_LIMIT]
    )
    return list(rows)


def mark_editable(user, activities) -> None:
    """Set `can_edit` on each activity (its relations are already loaded)."""
    for activity in activities:
        activity.can_edit = may_edit_activity(user, activity)


def activity_get(*, user, pk) -> Activity:
    """One activity `user` may see, with what its page shows; Activity.DoesNotExist if none."""
    return with_timeline_relations(Activity.objects.visible_to(user)).get(pk=pk)


def activity_list(*, user, params, cursor: str | None = None, size: int | None = None):
    """The filtered activity list: (bound filter, keyset page or None when filters are bad)."""
    activities = Activity.objects.visible_to(user).select_related(
        "owner", "opportunity", "account", "contact", "lead"
    )
    filterset = ActivityFilter(params, queryset=activities, request=_RequestShim(user))
    if not filterset.is_valid():
        return filterset, None
    return filterset, filterset.page(cursor, size)


class _RequestShim:
    """The FilterSet only needs `request.user` (for "mine" and the record choices)."""

    def __init__(self, user):
        self.user = user


@dataclass
class MyWork:
    """A rep's day: what is late, what is today, what is coming, and what is new."""

    today: datetime.date
    overdue_tasks: list[Activity]
    today_tasks: list[Activity]
    today_events: list[Activity]
    week_ahead: list[Activity]
    notifications: list


MY_WORK_LIMIT = 100


def my_work(*, user, now: datetime.datetime | None = None) -> MyWork:
    """The buckets of the "my work" page for `user`, in their time zone (three queries)."""
    today_start = _start_of_today(now)
    tomorrow = today_start + datetime.timedelta(days=1)
    week_end = tomorrow + datetime.timedelta(days=7)
    mine = Q(owner=user) | Q(
        pk__in=ActivityParticipant.objects.filter(user=user).values("activity_id")
    )
    relations = (
        "owner__team",
        "opportunity__owner__team",
        "account",
        "contact",
        "lead__owner__team",
    )
    tasks = list(
        Activity.objects.filter(owner=user, kind=ActivityKind.TASK, starts_at__lt=tomorrow)
        .open()
        .select_related(*relations)
        .order_by("starts_at", "id")[:MY_WORK_LIMIT]
    )
    window = list(
        Activity.objects.filter(mine, starts_at__gte=today_start, starts_at__lt=week_end)
        .filter(kind__in=list(_PLANNABLE))
        .select_related(*relations)
        .order_by("starts_at", "id")[: MY_WORK_LIMIT * 2]
    )
    return MyWork(
        today=today_start.date(),
        overdue_tasks=[task for task in tasks if task.starts_at < today_start],
        today_tasks=[task for task in tasks if task.starts_at >= today_start],
        today_events=[
            row for row in window if row.kind != ActivityKind.TASK and row.starts_at < tomorrow
        ],
        week_ahead=[row for row in window if row.starts_at >= tomorrow and not row.is_done],
        notifications=list(
            user.notifications.filter(read_at__isnull=True).order_by("-created_at", "-id")[:20]
        ),
    )
