"""The change feed's events, webhook subscriptions, their deliveries and each attempt."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Action, DeliveryStatus, EntityKind


class ChangeEvent(models.Model):
    """One create, change or delete of a record, written in the writer's transaction.

    `owner`, `assignee` and `shared` say who may read the event (the record's audience when it
    was written, kept after a delete). `txid` is PostgreSQL's `txid_current()` of the writing
    transaction: the feed orders by (txid, id) and serves only finished transactions.
    """

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=EntityKind.choices)
    entity_id = models.BigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    txid = models.BigIntegerField(null=True, blank=True, editable=False)
    fanned_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["txid", "id"]
        verbose_name = _("change event")
        indexes = [
            models.Index(fields=["txid", "id"], name="changeevent_feed"),
            models.Index(fields=["kind", "entity_id", "id"], name="changeevent_entity"),
            models.Index(fields=["id"], condition=Q(fanned_out=False), name="changeevent_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.entity_id}"

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.action}"

    @property
    def cursor(self) -> str:
        return f"{self.txid or 0}.{self.pk}"


class Webhook(models.Model):
    """An endpoint that receives a signed JSON POST for each event it subscribes to."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")

    def __str__(self) -> str:
        return self.name or self.url


class WebhookDelivery(models.Model):
    """One event (or test event) for one webhook, tried until it succeeds or a day passes."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        ChangeEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_name = models.CharField(_("event"), max_length=64)
    # The record the delivery is about: deliveries of one record to one webhook go in order.
    entity_kind = models.CharField(max_length=16, blank=True)
    entity_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["webhook", "entity_kind", "entity_id", "status"], name="delivery_record"
            ),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.webhook}"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what the endpoint answered."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
