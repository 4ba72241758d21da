"""Sending webhook deliveries: fan-out of events, one signed POST per attempt, back-off, order.

- Fan-out: after the writer commits, each event is claimed once (`fanned_out` False → True under
  a row lock) and gets one delivery per active webhook subscribed to it. The worker's sweep fans
  out events whose after-commit step was lost (e.g. the process died right after the commit).
- Order: a delivery waits while an earlier delivery of the same record to the same webhook is
  pending (earlier = earlier event; a redelivery after the original), or while an earlier event
  of the record is not fanned out yet. The row lock the services take makes event ids of one
  record follow commit order. When a delivery ends, the record's next one is queued.
- Attempts: a conditional UPDATE claims the attempt (so racing workers send once), the POST runs
  outside any transaction, then the outcome is written. 2xx is success; anything else (3xx too:
  redirects are not followed), a timeout or a refused connection is a failure, retried after
  30 s, 1 min, 2 min, … (doubling, at most an hour) until the delivery is a day old; then it
  has failed for good.
- An endpoint whose attempts have all failed for a day (since its last success) is disabled,
  its pending deliveries fail, and the administrator who created it is notified.
"""

import datetime
import json
import logging
import time
import urllib.error
import urllib.request

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from shangji.users.models import Notification

from . import signing
from .choices import DeliveryStatus, subscriptions_matching
from .models import ChangeEvent, Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_RETRY = datetime.timedelta(hours=1)
GIVE_UP_AFTER = datetime.timedelta(hours=24)
DISABLE_AFTER = datetime.timedelta(hours=24)
LEASE = datetime.timedelta(seconds=TIMEOUT_SECONDS * 6)  # a claimed attempt's time to finish
FAN_OUT_BATCH = 500
USER_AGENT = "Shangji-Webhooks/1"


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min … at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def event_body(event: ChangeEvent) -> str:
    """The JSON a webhook receives for `event` (the same for every redelivery)."""
    body = {
        "id": event.pk,
        "event": event.name,
        "occurred_at": event.occurred_at,
        "entity": {"kind": event.kind, "id": event.entity_id},
        "action": event.action,
        "actor": event.actor_id,
        "data": event.payload,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)


def events_fan_out(event_ids=None) -> tuple[int, list[int]]:
    """Create the deliveries of events not fanned out yet (these ids, or the oldest batch).

    Returns how many events were claimed and the ids of the deliveries created.
    """
    with transaction.atomic():
        pending = ChangeEvent.objects.filter(fanned_out=False)
        if event_ids is not None:
            pending = pending.filter(pk__in=list(event_ids))
        events = list(pending.select_for_update(skip_locked=True).order_by("id")[:FAN_OUT_BATCH])
        if not events:
            return 0, []
        ChangeEvent.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out=True)
        webhooks = list(Webhook.objects.filter(is_active=True).only("id", "events"))
        now = timezone.now()
        deliveries = [
            WebhookDelivery(
                webhook=webhook,
                event=event,
                event_name=event.name,
                entity_kind=event.kind,
                entity_id=event.entity_id,
                body=event_body(event),
                created_at=now,
                next_attempt_at=now,
            )
            for event in events
            for webhook in webhooks
            if subscriptions_matching(event.name) & set(webhook.events)
        ]
        created = WebhookDelivery.objects.bulk_create(deliveries)
        if any(delivery.pk is None for delivery in created):  # a backend without RETURNING
            created = list(WebhookDelivery.objects.filter(event__in=events, created_at=now))
        return len(events), [delivery.pk for delivery in created]


def _earlier_pending(delivery: WebhookDelivery) -> bool:
    """Whether an earlier delivery of the same record to the same webhook is still to be sent."""
    if delivery.event_id is None or not delivery.entity_kind:
        return False
    same_record = {"entity_kind": delivery.entity_kind, "entity_id": delivery.entity_id}
    earlier = Q(event_id__lt=delivery.event_id) | Q(event_id=delivery.event_id, pk__lt=delivery.pk)
    if (
        WebhookDelivery.objects.filter(
            webhook_id=delivery.webhook_id, status=DeliveryStatus.PENDING, **same_record
        )
        .filter(earlier)
        .exclude(pk=delivery.pk)
        .exists()
    ):
        return True
    return ChangeEvent.objects.filter(
        kind=delivery.entity_kind,
        entity_id=delivery.entity_id,
        id__lt=delivery.event_id,
        fanned_out=False,
    ).exists()


def next_of_record(delivery: WebhookDelivery) -> int | None:
    """The id of the record's next pending delivery to the same webhook, if any."""
    if delivery.event_id is None or not delivery.entity_kind:
        return None
    return (
        WebhookDelivery.objects.filter(
            webhook_id=delivery.webhook_id,
            entity_kind=delivery.entity_kind,
            entity_id=delivery.entity_id,
            status=DeliveryStatus.PENDING,
        )
        .order_by("event_id", "id")
        .values_list("id", flat=True)
        .first()
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx answer is a failure, never followed (the POST would become a GET)


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST `body`; (the HTTP status or None, an error text)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, (str(reason) or error.__class__.__name__)[:300]


def headers_for(delivery: WebhookDelivery, secret: str, timestamp: int, body: bytes) -> dict:
    """The headers of one attempt."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Shangji-Event": delivery.event_name,
        "Shangji-Delivery": str(delivery.pk),
        "Shangji-Timestamp": str(timestamp),
        "Shangji-Signature": signing.signature(secret, timestamp, body),
    }


def _fail_pending(webhook_id: int, message: str, now) -> None:
    WebhookDelivery.objects.filter(webhook_id=webhook_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, completed_at=now, next_attempt_at=None, error=message
    )


def _note_failure(webhook: Webhook, now) -> bool:
    """Record the endpoint's failure; disable it after a day of failures. Whether it was."""
    Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
    disabled = Webhook.objects.filter(
        pk=webhook.pk, is_active=True, failing_since__lte=now - DISABLE_AFTER
    ).update(is_active=False, disabled_at=now)
    if not disabled:
        return False
    _fail_pending(webhook.pk, "The webhook was disabled after failing for a day.", now)
    if webhook.created_by_id:
        Notification.objects.create(
            recipient_id=webhook.created_by_id,
            verb="webhook_disabled",
            params={"name": str(webhook)},
            url=reverse("webhooks:webhook_detail", args=[webhook.pk]),
        )
    return True


def delivery_attempt(*, delivery_id: int) -> tuple[str, list[tuple[int, datetime.datetime]]]:
    """Try to send one delivery now. Returns the outcome and the (delivery id, when) to queue:
    "sent", "retry", "failed", "blocked" (an earlier one of the record goes first) or "skipped"
    (not due, already done, or claimed by another worker)."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped", []
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return "skipped", []
    webhook = delivery.webhook
    if not webhook.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            completed_at=now,
            next_attempt_at=None,
            error="The webhook is disabled.",
        )
        return "failed", []
    if _earlier_pending(delivery):
        return "blocked", []
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = WebhookDelivery.objects.filter(
        due, pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return "skipped", []
    number = delivery.attempts + 1
    body = delivery.body.encode()
    timestamp = int(time.time())
    started = time.monotonic()
    code, error = post(webhook.url, body, headers_for(delivery, webhook.secret, timestamp, body))
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = code is not None and 200 <= code < 300
    if not succeeded and not error:
        error = f"HTTP {code}"
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=now,
            response_code=code,
            duration_ms=duration_ms,
            error=error,
            succeeded=succeeded,
        )
        result = {"response_code": code, "duration_ms": duration_ms, "error": error}
        if succeeded:
            outcome, retry_at = "sent", None
            result.update(status=DeliveryStatus.SUCCEEDED, completed_at=now, next_attempt_at=None)
            Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=False).update(
                failing_since=None
            )
        elif now - delivery.created_at >= GIVE_UP_AFTER:
            outcome, retry_at = "failed", None
            result.update(status=DeliveryStatus.FAILED, completed_at=now, next_attempt_at=None)
        else:
            outcome, retry_at = "retry", now + backoff(number)
            result.update(next_attempt_at=retry_at)
        WebhookDelivery.objects.filter(pk=delivery.pk, attempts=number).update(**result)
        if not succeeded and _note_failure(webhook, now):
            outcome, retry_at = "failed", None
        queue = [(delivery.pk, retry_at)] if retry_at else []
        if retry_at is None and (following := next_of_record(delivery)):
            queue.append((following, now))
    return outcome, queue


def deliveries_sweep(now=None) -> tuple[list[int], list[int]]:
    """The safety net: fan out events left behind, and find deliveries whose task was lost.

    Returns (new delivery ids, overdue pending delivery ids) for the caller to queue.
    """
    now = now or timezone.now()
    left_behind = ChangeEvent.objects.filter(
        fanned_out=False, occurred_at__lte=now - datetime.timedelta(seconds=30)
    ).values_list("id", flat=True)[:FAN_OUT_BATCH]
    created = events_fan_out(list(left_behind))[1] if left_behind else []
    overdue = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now - datetime.timedelta(minutes=2),
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:FAN_OUT_BATCH]
    )
    return created, overdue
