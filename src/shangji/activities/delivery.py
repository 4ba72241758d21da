"""Delivering reminders, each exactly once: claim the row, notify in the app, then e-mail.

Exactly once, with any number of workers, duplicate tasks and a sweep racing each other:

1. Claim: one conditional UPDATE moves the row PENDING → SENDING only if it is still pending
   and due (`remind_at <= now`). The database runs it atomically, so of all racers exactly one
   sees "1 row"; the others see 0 and stop. A task of a reminder that was moved later finds
   `remind_at` in the future and stops (the task of the new time will do it); a cancelled or
   deleted reminder matches nothing.
2. In one transaction: the in-app notification is written and the row goes SENDING → SENT, again
   conditionally on still holding our claim (status SENDING and our `claimed_at`). If the claim
   was lost meanwhile (the activity moved, or the sweep took back a stale claim), the
   transaction rolls back and nothing is shown.
3. After the commit, the e-mail (if the recipient has an address). Its outcome is recorded in
   `email_sent_at` or `last_error`; it is tried once and never repeated, so a worker dying
   between 2 and 3 can lose an e-mail but never send it twice.

A worker dying between 1 and 2 leaves a SENDING row with nothing delivered; the sweep puts claims
older than stale_claim() back to PENDING and delivers them.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst

from shangji.core.mail import default_from_address, outgoing_connection
from shangji.users.models import Notification

from .choices import ReminderStatus
from .models import Activity, Reminder

logger = logging.getLogger(__name__)


def stale_claim() -> datetime.timedelta:
    """How long a claim may last before it counts as left by a dead worker (default 5 min)."""
    return datetime.timedelta(seconds=settings.REMINDER_STALE_CLAIM_SECONDS)


SWEEP_BATCH = 200
SMTP_TIMEOUT = 30


class _ClaimLost(Exception):
    pass


def activity_page_url(activity: Activity) -> str:
    """Where a reminder leads: the page of the record the activity is on."""
    record = activity.opportunity or activity.lead or activity.contact or activity.account
    page = record.get_absolute_url() if record else reverse("activities:my_work")
    return f"{page}#activity-{activity.pk}"


def reminder_params(reminder: Reminder) -> dict:
    """What the notification stores; the sentence is rendered when it is read."""
    activity = reminder.activity
    starts_at = activity.starts_at or reminder.remind_at
    return {
        "activity": activity.pk,
        "kind": activity.kind,
        "subject": activity.subject or str(activity),
        "starts_at": starts_at.astimezone(datetime.UTC).isoformat(),
        "minutes_before": reminder.minutes_before,
    }


def _claim(reminder_id: int, now: datetime.datetime) -> bool:
    claimed = (
        Reminder.objects.filter(pk=reminder_id)
        .due(now)
        .update(status=ReminderStatus.SENDING, claimed_at=now)
    )
    return claimed == 1


def _notify_in_app(reminder: Reminder, claimed_at: datetime.datetime) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=reminder.recipient,
            verb="reminder",
            params=reminder_params(reminder),
            url=activity_page_url(reminder.activity),
        )
        marked = Reminder.objects.filter(
            pk=reminder.pk, status=ReminderStatus.SENDING, claimed_at=claimed_at
        ).update(status=ReminderStatus.SENT, sent_at=timezone.now(), last_error="")
        if marked != 1:
            raise _ClaimLost()
    return notification


def _email_body(reminder: Reminder, notification: Notification) -> str:
    activity = reminder.activity
    lines = [notification.text, ""]
    for name in ("opportunity", "lead", "account", "contact", "location"):
        if value := getattr(activity, name):
            label = capfirst(Activity._meta.get_field(name).verbose_name)
            lines.append(f"{label}: {value}")
    if site := getattr(settings, "SITE_URL", ""):
        lines += ["", site.rstrip("/") + notification.url]
    return "\n".join(lines) + "\n"


def _reader_zone(user) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _send_email(reminder: Reminder, notification: Notification) -> None:
    recipient = reminder.recipient
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(_reader_zone(recipient)):
        subject = notification.text
        body = _email_body(reminder, notification)
    message = EmailMessage(subject, body, default_from_address(), [recipient.email])
    connection = outgoing_connection()
    if getattr(connection, "timeout", SMTP_TIMEOUT) is None:
        connection.timeout = SMTP_TIMEOUT  # a hanging server must not hang the worker
    if connection.send_messages([message]) != 1:
        raise RuntimeError("the mail server did not accept the message")


def _email(reminder: Reminder, notification: Notification) -> None:
    try:
        _send_email(reminder, notification)
    except Exception as error:  # any failure of one recipient is recorded, never raised
        logger.warning("Reminder %s: e-mail failed: %s", reminder.pk, error)
        message = f"{type(error).__name__}: {error}"[:2000]
        Reminder.objects.filter(pk=reminder.pk).update(last_error=message)
    else:
        Reminder.objects.filter(pk=reminder.pk).update(email_sent_at=timezone.now())


def reminder_deliver(*, reminder_id: int) -> bool:
    """Deliver one reminder if it is due and nobody else has: True if this call delivered it."""
    now = timezone.now()
    if not _claim(reminder_id, now):
        return False
    reminder = (
        Reminder.objects.select_related(
            "recipient",
            "activity__opportunity",
            "activity__account",
            "activity__contact",
            "activity__lead",
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:  # deleted with its activity a moment ago
        return False
    if not reminder.recipient.is_active:
        Reminder.objects.filter(
            pk=reminder_id, status=ReminderStatus.SENDING, claimed_at=now
        ).update(status=ReminderStatus.CANCELLED, last_error="The recipient is deactivated.")
        return False
    try:
        notification = _notify_in_app(reminder, now)
    except _ClaimLost:
        return False
    except Exception as error:
        # Left SENDING: the sweep retries it once the claim is stale.
        logger.exception("Reminder %s could not be delivered", reminder_id)
        Reminder.objects.filter(pk=reminder_id, claimed_at=now).update(
            last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        return False
    if reminder.recipient.email:
        _email(reminder, notification)
    return True


def reminders_release_stale(now: datetime.datetime | None = None) -> int:
    """Claims older than stale_claim() belong to a worker that died: make them pending again."""
    now = now or timezone.now()
    return Reminder.objects.filter(
        Q(claimed_at__lt=now - stale_claim()) | Q(claimed_at__isnull=True),
        status=ReminderStatus.SENDING,
    ).update(status=ReminderStatus.PENDING, claimed_at=None)


def reminders_sweep(now: datetime.datetime | None = None) -> int:
    """The safety net: deliver every pending reminder whose time has passed; returns how many.

    Catches reminders whose task was lost (a restored database, a task row deleted, a worker
    killed while running it). Racing the tasks is safe: each reminder is claimed once.
    """
    now = now or timezone.now()
    reminders_release_stale(now)
    due = Reminder.objects.due(now).order_by("remind_at", "pk").values_list("pk", flat=True)
    delivered = 0
    for reminder_id in list(due[:SWEEP_BATCH]):
        try:
            delivered += reminder_deliver(reminder_id=reminder_id)
        except Exception:  # one broken reminder never stops the others
            logger.exception("Reminder %s: sweep failed", reminder_id)
    return delivered
