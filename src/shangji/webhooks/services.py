"""Every write of this app: change events (called inside the writing services' transactions),
webhook subscriptions, test events and redeliveries."""

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import connection, models, transaction
from django.db.models import Func
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.audit.choices import AuditAction
from shangji.audit.services import audit_record
from shangji.core.errors import PermissionDeniedError

from . import signing
from .choices import TEST_EVENT, WEBHOOK_EVENT_NAMES, Action, DeliveryStatus, EntityKind
from .models import ChangeEvent, Webhook, WebhookDelivery

# Fields left out of an event's payload (internal or bulky).
_LEFT_OUT = {"file", "headers", "mapping", "sheets", "worker_host", "worker_pid"}


def _payload_of(record, changed) -> dict:
    """The record's stored fields as JSON values (foreign keys as ids), plus what changed."""
    data = {}
    for field in record._meta.concrete_fields:
        if field.name in _LEFT_OUT:
            continue
        value = getattr(record, field.attname)
        data[field.attname] = value.name if isinstance(value, FieldFile) else value
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    if changed is not None:
        data["changed"] = sorted(changed)
    return data


def _audience(kind: str, record) -> tuple[int | None, int | None, bool]:
    """Who reads an event about `record`: (owner id, assignee id, shared with everyone)."""
    if kind in (EntityKind.ACCOUNT, EntityKind.CONTACT):
        return record.owner_id, None, True  # the shared directory (see AccountQuerySet)
    if kind == EntityKind.LEAD:
        return record.owner_id, None, record.owner_id is None  # the unassigned pool
    if kind == EntityKind.IMPORT:
        return record.created_by_id, None, False
    if kind == EntityKind.ACTIVITY:
        if record.opportunity_id:
            return record.opportunity.owner_id, record.owner_id, False
        if record.lead_id:
            owner = record.lead.owner_id
            return owner, record.owner_id, owner is None
        return None, record.owner_id, True
    return record.owner_id, None, False


class _FanOut:
    """The after-commit fan-out of one transaction (remembers that it ran)."""

    ran = False

    def __call__(self) -> None:
        from .tasks import fan_out_committed

        self.ran = True
        fan_out_committed()


def _fan_out_on_commit() -> None:
    """Fan out after the commit, once per transaction however many events it writes.

    `run_on_commit` holds the open transaction's callbacks (a rolled-back savepoint's are
    dropped with it), so an import of 100,000 rows registers one callback, not 100,000.
    """
    connection = transaction.get_connection()
    pending = getattr(connection, "_shangji_fan_out", None)
    if (
        pending is not None
        and not pending.ran
        and any(callback is pending for _ids, callback, _robust in connection.run_on_commit)
    ):
        return
    connection._shangji_fan_out = _FanOut()
    transaction.on_commit(connection._shangji_fan_out, robust=True)


def event_record(
    *,
    kind: str,
    action: str,
    actor,
    record=None,
    entity_id: int | None = None,
    payload: dict | None = None,
    changed=None,
) -> ChangeEvent:
    """Write the change event of a write; call it inside the writer's transaction.

    Give `record` (payload and audience are taken from it; before `delete()` for deletions) or
    `entity_id` and `payload`. Webhook deliveries are created after the commit.
    """
    owner, assignee, shared = _audience(kind, record) if record is not None else (None, None, True)
    event = ChangeEvent(
        kind=kind,
        entity_id=record.pk if record is not None else entity_id,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        owner_id=owner,
        assignee_id=assignee,
        shared=shared,
        payload=payload if payload is not None else _payload_of(record, changed),
    )
    if connection.vendor == "postgresql":
        event.txid = Func(function="txid_current", output_field=models.BigIntegerField())
    event.save()
    event.txid = None  # the expression, not its value; the feed reads it from the row
    _fan_out_on_commit()
    return event


def opportunity_event(*, opportunity, actor, changed) -> ChangeEvent:
    """The event of an opportunity change: won, lost, stage_changed or updated."""
    action = Action.UPDATED
    if "stage" in changed:
        stage = opportunity.stage
        action = (
            Action.WON if stage.is_won else Action.LOST if stage.is_lost else Action.STAGE_CHANGED
        )
    return event_record(
        kind=EntityKind.OPPORTUNITY, action=action, actor=actor, record=opportunity, changed=changed
    )


def activity_event(*, activity, actor, changed) -> ChangeEvent:
    """The event of an activity change: completed (done, or held) or updated."""
    from shangji.activities.choices import CallStatus, TaskStatus

    done = "status" in changed and activity.status in (TaskStatus.COMPLETED, CallStatus.HELD)
    action = Action.COMPLETED if done else Action.UPDATED
    return event_record(
        kind=EntityKind.ACTIVITY, action=action, actor=actor, record=activity, changed=changed
    )


def events_record_bulk(*, kind: str, action: str, actor, records) -> list[ChangeEvent]:
    """One event per record for writes that bypass the services (one INSERT)."""
    if kind == EntityKind.ACTIVITY and isinstance(records, models.QuerySet):
        records = records.select_related("opportunity", "lead")
    events: list[ChangeEvent] = []
    for record in records:
        owner, assignee, shared = _audience(kind, record)
        events.append(
            ChangeEvent(
                kind=kind,
                entity_id=record.pk,
                action=action,
                actor=actor,
                owner_id=owner,
                assignee_id=assignee,
                shared=shared,
                payload=_payload_of(record, None),
            )
        )
    if not events:
        return []
    if connection.vendor == "postgresql":
        for event in events:
            event.txid = Func(function="txid_current", output_field=models.BigIntegerField())
    created = ChangeEvent.objects.bulk_create(events)
    _fan_out_on_commit()
    return created


# --- webhooks ------------------------------------------------------------------------------


def _require_admin(actor) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDeniedError(_("Only administrators can manage webhooks."))


def _clean(webhook: Webhook) -> None:
    errors: dict[str, list] = {}
    webhook.url = (webhook.url or "").strip()
    webhook.name = (webhook.name or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(webhook.url)
    except ValidationError:
        errors["url"] = [_("Enter an http:// or https:// URL.")]
    if len(webhook.url) > 500:
        errors["url"] = [_("Use at most 500 characters.")]
    if len(webhook.name) > 100:
        errors["name"] = [_("Use at most 100 characters.")]
    events = list(dict.fromkeys(webhook.events or []))
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif not set(events) <= set(WEBHOOK_EVENT_NAMES):
        errors["events"] = [_("Choose events from the list.")]
    webhook.events = [name for name in WEBHOOK_EVENT_NAMES if name in events]
    if errors:
        raise ValidationError(errors)


def webhook_create(
    *, actor, url: str, events: list[str], name: str = "", is_active=True
) -> Webhook:
    """Subscribe `url` to `events`, with a new secret (administrators only)."""
    _require_admin(actor)
    with transaction.atomic():
        webhook = Webhook(
            url=url,
            events=events,
            name=name,
            is_active=is_active,
            secret=signing.new_secret(),
            created_by=actor,
        )
        _clean(webhook)
        webhook.save()
        audit_record(action=AuditAction.WEBHOOK_CREATED, actor=actor, target=webhook)
        return webhook


def webhook_update(*, webhook: Webhook, actor, **changes) -> Webhook:
    """Change a webhook's URL, name, events or activity; enabling it starts it afresh."""
    _require_admin(actor)
    unknown = set(changes) - {"url", "events", "name", "is_active"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    with transaction.atomic():
        current = Webhook.objects.select_for_update().get(pk=webhook.pk)
        enabling = changes.get("is_active") and not current.is_active
        for name, value in changes.items():
            setattr(current, name, value)
        _clean(current)
        if enabling:
            current.failing_since = current.disabled_at = None
        current.save()
        return current


def webhook_rotate_secret(*, webhook: Webhook, actor) -> Webhook:
    """Give the webhook a new secret; deliveries from now on are signed with it."""
    _require_admin(actor)
    with transaction.atomic():
        current = Webhook.objects.select_for_update().get(pk=webhook.pk)
        current.secret = signing.new_secret()
        current.save(update_fields=["secret", "updated_at"])
        return current


def webhook_delete(*, webhook: Webhook, actor) -> None:
    """Delete a webhook with its delivery log."""
    _require_admin(actor)
    with transaction.atomic():
        audit_record(action=AuditAction.WEBHOOK_DELETED, actor=actor, target=webhook)
        Webhook.objects.filter(pk=webhook.pk).delete()


def _enqueue_after_commit(delivery: WebhookDelivery) -> None:
    from .tasks import enqueue_deliveries

    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]), robust=True)


def webhook_send_test(*, webhook: Webhook, actor) -> WebhookDelivery:
    """Queue a `ping` delivery to the webhook, to check the endpoint and its verification."""
    _require_admin(actor)
    body = {
        "id": None,
        "event": TEST_EVENT,
        "occurred_at": timezone.now(),
        "entity": None,
        "actor": actor.pk,
        "data": {"webhook": webhook.pk, "message": "Test event from Shangji."},
    }
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=webhook,
            event_name=TEST_EVENT,
            body=json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
            next_attempt_at=timezone.now(),
        )
        _enqueue_after_commit(delivery)
        return delivery


def delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Queue the same body again as a new delivery (in order with the record's others)."""
    _require_admin(actor)
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            webhook=delivery.webhook,
            event=delivery.event,
            event_name=delivery.event_name,
            entity_kind=delivery.entity_kind,
            entity_id=delivery.entity_id,
            body=delivery.body,
            status=DeliveryStatus.PENDING,
            next_attempt_at=timezone.now(),
            redelivery_of=delivery,
        )
        _enqueue_after_commit(copy)
        return copy
