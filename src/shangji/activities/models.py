"""Activities: calls, meetings, tasks, notes and e-mails on one table, with their
participants, attachments and reminders."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.models import VersionedModel

from .choices import (
    ActivityKind,
    Direction,
    ReminderStatus,
    TaskPriority,
)
from .querysets import ActivityQuerySet, ReminderQuerySet


class Activity(VersionedModel):
    """One contact with the customer or one piece of planned work, linked to what it is about.

    One table for every kind keeps the timeline, "my work", reminders and the API a single
    indexed query each; kind-specific fields are empty where they do not apply.
    """

    kind = models.CharField(_("type"), max_length=8, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("notes"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=16, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, blank=True
    )
    starts_at = models.DateTimeField(_("start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # When the activity sits on the timeline: the start, due or sent time; else its creation.
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="activities",
        null=True,
        blank=True,
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="activities",
        null=True,
        blank=True,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="activities",
        null=True,
        blank=True,
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        related_name="activities",
        null=True,
        blank=True,
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["opportunity", "-occurred_at", "-id"]),
            models.Index(fields=["account", "-occurred_at", "-id"]),
            models.Index(fields=["contact", "-occurred_at", "-id"]),
            models.Index(fields=["lead", "-occurred_at", "-id"]),
            models.Index(fields=["owner", "kind", "status", "starts_at"]),
            models.Index(fields=["kind", "-occurred_at", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(opportunity__isnull=False)
                | Q(account__isnull=False)
                | Q(contact__isnull=False)
                | Q(lead__isnull=False),
                name="activity_linked_to_a_record",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()

    @property
    def is_done(self) -> bool:
        from .choices import DONE_STATUSES

        return self.status in DONE_STATUSES


class ActivityParticipant(models.Model):
    """A meeting attendee or an e-mail's contact: a user or a contact, never both."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity_participations",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity_participations",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True, contact__isnull=False)
                | Q(user__isnull=False, contact__isnull=True),
                name="participant_is_user_or_contact",
            ),
            models.UniqueConstraint(fields=["activity", "user"], name="one_participant_user"),
            models.UniqueConstraint(fields=["activity", "contact"], name="one_participant_contact"),
        ]
        indexes = [models.Index(fields=["contact", "activity"])]

    def __str__(self) -> str:
        return str(self.user or self.contact)


class EmailMessage(models.Model):
    """The e-mail part of an activity of kind e-mail: headers and the sanitised HTML."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="email")
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=320)
    to_addresses = models.TextField(_("to"), blank=True)
    cc_addresses = models.TextField(_("cc"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)

    def __str__(self) -> str:
        return self.message_id


def attachment_path(instance, filename: str) -> str:
    # A random name: the original one is kept in the row, never trusted as a path.
    return f"attachments/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a note or an e-mail, stored outside the web root, served as a download."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Reminder(models.Model):
    """One reminder to one person, `minutes_before` the activity; delivered exactly once."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    minutes_before = models.PositiveIntegerField(_("reminder"))
    remind_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["remind_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "recipient", "minutes_before"], name="one_reminder_per_offset"
            )
        ]
        indexes = [models.Index(fields=["status", "remind_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.recipient_id} @ {self.remind_at:%Y-%m-%d %H:%M}"
