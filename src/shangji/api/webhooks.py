"""/webhooks: signed event deliveries to your URLs, and their delivery log (administrators)."""

import datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Router, Schema, Status

from shangji.core.errors import PermissionDeniedError
from shangji.webhooks import services
from shangji.webhooks.choices import WEBHOOK_EVENT_NAMES, DeliveryStatus
from shangji.webhooks.models import Webhook, WebhookDelivery

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, MessageOut, PatchSchema

router = Router(tags=["webhooks"])
deliveries_router = Router(tags=["webhooks"])

EVENTS_HELP = (
    "Events to receive: "
    + ", ".join(f"`{name}`" for name in WEBHOOK_EVENT_NAMES)
    + (
        ". `opportunity.updated` also receives stage changes, wins and losses; "
        "`opportunity.stage_changed` also wins and losses."
    )
)
ADMIN_ERRORS = {**READ_ERRORS, 403: MessageOut}


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    secret: str = Field(
        description="Signs every delivery: `Shangji-Signature: v1=<hex HMAC-SHA256 of "
        '"<Shangji-Timestamp>.<raw body>" with this secret>`.'
    )
    failing_since: datetime.datetime | None = Field(
        description="Every attempt has failed since then; after a day the webhook is disabled."
    )
    disabled_at: datetime.datetime | None = Field(description="When it was disabled for failing.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class WebhookIn(InputSchema):
    url: str = Field(description="http:// or https:// URL receiving the POSTs.")
    events: list[str] = Field(description=EVENTS_HELP)
    name: str = ""
    is_active: bool = True


class WebhookPatch(PatchSchema):
    url: str = None  # type: ignore[assignment]
    events: list[str] = None  # type: ignore[assignment]
    name: str = None  # type: ignore[assignment]
    is_active: bool = Field(
        None, description="true makes a disabled webhook active again, its failures forgotten."
    )  # type: ignore[assignment]
    rotate_secret: bool = Field(False, description="true replaces the secret with a new one.")


class AttemptOut(Schema):
    number: int
    attempted_at: datetime.datetime
    response_code: int | None
    duration_ms: int
    error: str
    succeeded: bool


class DeliveryOut(Schema):
    id: int = Field(description="Sent as the `Shangji-Delivery` header.")
    webhook: int = Field(validation_alias="webhook_id")
    event: int | None = Field(
        validation_alias="event_id", description="The change event (null: a test event)."
    )
    event_name: str
    entity_kind: str
    entity_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime.datetime | None = Field(description="The next retry, if pending.")
    response_code: int | None = Field(description="The last attempt's HTTP status.")
    duration_ms: int | None = Field(description="The last attempt's duration.")
    error: str
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    redelivery_of: int | None = Field(validation_alias="redelivery_of_id")
    attempt_log: list[AttemptOut]


def _require_admin(request) -> None:
    if not request.auth.is_admin:
        raise PermissionDeniedError(PermissionDeniedError().message)


def _get(request, webhook_id: int) -> Webhook:
    _require_admin(request)
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404
    return webhook


@router.get("", response={200: list[WebhookOut], **ADMIN_ERRORS}, summary="List webhooks (admins)")
def list_webhooks(request):
    _require_admin(request)
    return Webhook.objects.order_by("id")


@router.post(
    "",
    response={201: WebhookOut, **WRITE_ERRORS},
    summary="Subscribe a URL to events (admins)",
    description="Answers the webhook with its generated `secret`.",
)
def create_webhook(request, payload: WebhookIn):
    _require_admin(request)
    webhook = services.webhook_create(actor=request.auth, **payload.model_dump())
    return Status(201, webhook)


@router.get("/{webhook_id}", response={200: WebhookOut, **ADMIN_ERRORS}, summary="Get a webhook")
def get_webhook(request, webhook_id: int):
    return _get(request, webhook_id)


@router.patch(
    "/{webhook_id}",
    response={200: WebhookOut, **WRITE_ERRORS},
    summary="Change a webhook or rotate its secret",
)
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    webhook = _get(request, webhook_id)
    changes = payload.changes()
    rotate = changes.pop("rotate_secret", False)
    if changes:
        webhook = services.webhook_update(webhook=webhook, actor=request.auth, **changes)
    if rotate:
        webhook = services.webhook_rotate_secret(webhook=webhook, actor=request.auth)
    return webhook


@router.delete(
    "/{webhook_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a webhook and its log"
)
def delete_webhook(request, webhook_id: int):
    services.webhook_delete(webhook=_get(request, webhook_id), actor=request.auth)
    return Status(204, None)


@router.get(
    "/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **ADMIN_ERRORS},
    summary="The webhook's delivery log",
    description="The latest deliveries first (at most `limit`), each with every attempt.",
)
def list_deliveries(request, webhook_id: int, limit: Annotated[int, Field(ge=1, le=200)] = 50):
    webhook = _get(request, webhook_id)
    return list(
        WebhookDelivery.objects.filter(webhook=webhook)
        .prefetch_related("attempt_log")
        .order_by("-id")[:limit]
    )


@router.post(
    "/{webhook_id}/test",
    response={202: DeliveryOut, **WRITE_ERRORS},
    summary="Send a test event (`ping`)",
)
def test_webhook(request, webhook_id: int):
    delivery = services.webhook_send_test(webhook=_get(request, webhook_id), actor=request.auth)
    return Status(202, WebhookDelivery.objects.prefetch_related("attempt_log").get(pk=delivery.pk))


@deliveries_router.post(
    "/{delivery_id}/redeliver",
    response={202: DeliveryOut, **WRITE_ERRORS},
    summary="Send a delivery again (admins)",
    description="Queues a new delivery with the same body, in order with the record's others.",
)
def redeliver(request, delivery_id: int):
    _require_admin(request)
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    copy = services.delivery_redeliver(delivery=delivery, actor=request.auth)
    return Status(202, WebhookDelivery.objects.prefetch_related("attempt_log").get(pk=copy.pk))
