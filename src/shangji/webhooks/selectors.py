"""Reads of this app: the change feed and the webhook pages' lists."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from shangji.core.permissions import read_scope

from .models import ChangeEvent, Webhook, WebhookDelivery

FEED_LIMIT = 100
FEED_MAX_LIMIT = 1000

# Transactions below the snapshot's xmin have all finished: their events are all visible now,
# and no event of theirs can appear later. The caller's own transaction (if it wrote) counts as
# finished for itself.
_FINISHED = (
    "txid < txid_snapshot_xmin(txid_current_snapshot()) OR txid = txid_current_if_assigned()"
)


@dataclass
class FeedPage:
    events: list
    next: str
    has_more: bool


def parse_cursor(since: str | None) -> tuple[int, int]:
    """A feed cursor "<txid>.<id>" as numbers; empty means the beginning."""
    if not since:
        return 0, 0
    try:
        txid, _dot, event_id = since.partition(".")
        values = int(txid), int(event_id)
    except ValueError:
        values = (-1, -1)
    if min(values) < 0:
        raise ValidationError({"since": [_("This is not a cursor this feed gave out.")]})
    return values


def events_visible_to(user):
    """Change events `user` may read: the records' audience when the event was written."""
    if not (user.is_authenticated and user.is_active):
        return ChangeEvent.objects.none()
    scope = read_scope(user, "owner")
    if scope is None:
        return ChangeEvent.objects.all()
    return ChangeEvent.objects.filter(scope | Q(shared=True) | Q(assignee=user))


def change_feed(*, user, since: str | None = None, limit: int = FEED_LIMIT) -> FeedPage:
    """The events after cursor `since` that `user` may read, in commit order, and the next cursor.

    SQLite serialises writers, so ids follow commit order. PostgreSQL hands out ids before the
    commit: events are ordered by (writing transaction, id) and only those of finished
    transactions are served, so a later commit can never slip in before a cursor.
    """
    txid, event_id = parse_cursor(since)
    limit = max(1, min(int(limit), FEED_MAX_LIMIT))
    events = events_visible_to(user).select_related("actor")
    if connection.vendor == "postgresql":
        finished = RawSQL(f"({_FINISHED})", [], output_field=BooleanField())
        events = events.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=event_id))
        events = events.alias(finished=finished).filter(finished=True).order_by("txid", "id")
    else:
        events = events.filter(id__gt=event_id).order_by("id")
    rows = list(events[: limit + 1])
    page = rows[:limit]
    next_cursor = page[-1].cursor if page else f"{txid}.{event_id}"
    return FeedPage(events=page, next=next_cursor, has_more=len(rows) > limit)


def webhook_list():
    """Every webhook with its count of pending deliveries."""
    return Webhook.objects.select_related("created_by").annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status="pending"))
    )


def delivery_list(*, webhook: Webhook):
    """The webhook's deliveries, newest first, for the log."""
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .prefetch_related("attempt_log")
        .order_by("-id")
    )
