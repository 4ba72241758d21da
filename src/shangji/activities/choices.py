"""The lists of activities; values and defaults follow PRODUCT.md §3 (SuiteCRM's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")
    NOTE = "note", _("Note")
    EMAIL = "email", pgettext_lazy("activity kind", "E-mail")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallStatus(models.TextChoices):
    """Also the statuses of meetings."""

    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    NOT_HELD = "not_held", _("Not held")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    PENDING_INPUT = "pending_input", _("Pending input")
    DEFERRED = "deferred", _("Deferred")


class TaskPriority(models.TextChoices):
    HIGH = "high", pgettext_lazy("priority", "High")
    MEDIUM = "medium", pgettext_lazy("priority", "Medium")
    LOW = "low", pgettext_lazy("priority", "Low")


STATUSES_BY_KIND = {
    ActivityKind.CALL: CallStatus,
    ActivityKind.MEETING: CallStatus,
    ActivityKind.TASK: TaskStatus,
}
DEFAULT_STATUS = {
    ActivityKind.CALL: CallStatus.PLANNED,
    ActivityKind.MEETING: CallStatus.PLANNED,
    ActivityKind.TASK: TaskStatus.NOT_STARTED,
}
# A call, meeting or task in one of these statuses is done: its reminders are cancelled.
DONE_STATUSES = {CallStatus.HELD, CallStatus.NOT_HELD, TaskStatus.COMPLETED}

# Reminder offsets (minutes before the start or due time).
REMINDER_OFFSETS = [
    (1, _("1 minute before")),
    (5, _("5 minutes before")),
    (10, _("10 minutes before")),
    (15, _("15 minutes before")),
    (30, _("30 minutes before")),
    (60, _("1 hour before")),
    (120, _("2 hours before")),
    (180, _("3 hours before")),
    (300, _("5 hours before")),
    (1440, _("1 day before")),
]
REMINDABLE_KINDS = {ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.TASK}


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
