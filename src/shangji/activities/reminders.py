"""Keeping an activity's reminder rows in step with the activity.

The rows are the truth: one per recipient and offset, PENDING until delivered. The worker
delivers each at `remind_at` (see tasks.py); moving the activity moves the pending rows,
finishing or deleting it cancels them.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from .choices import REMINDABLE_KINDS, ReminderStatus
from .models import Activity, Reminder


def reminder_recipients(activity: Activity) -> list[int]:
    """Who is reminded: the person it is assigned to and, for meetings, every invited user."""
    ids = [activity.owner_id]
    ids += [
        user_id
        for user_id in activity.participants.filter(user__isnull=False).values_list(
            "user_id", flat=True
        )
        if user_id not in ids
    ]
    return ids


def reminders_sync(activity: Activity, offsets: list[int] | None = None) -> None:
    """Create, move or cancel the activity's reminders; `offsets` None keeps the current ones.

    Call inside the service's transaction; the worker is told after the commit.
    """
    current = list(Reminder.objects.filter(activity=activity))
    if offsets is None:
        offsets = sorted({reminder.minutes_before for reminder in current})
    wanted: dict[tuple[int, int], datetime.datetime] = {}
    if activity.kind in REMINDABLE_KINDS and activity.starts_at and not activity.is_done:
        for recipient in reminder_recipients(activity):
            for minutes in offsets:
                wanted[(recipient, minutes)] = activity.starts_at - datetime.timedelta(
                    minutes=minutes
                )
    now = timezone.now()
    to_schedule: list[Reminder] = []
    for reminder in current:
        key = (reminder.recipient_id, reminder.minutes_before)
        if key not in wanted:
            if reminder.status == ReminderStatus.PENDING:
                reminder.status = ReminderStatus.CANCELLED
                reminder.save(update_fields=["status"])
            continue
        remind_at = wanted.pop(key)
        moved = remind_at != reminder.remind_at
        revived = reminder.status == ReminderStatus.CANCELLED
        if moved or revived:
            # A reminder already delivered fires again only if its new time is still ahead.
            if (
                reminder.status in (ReminderStatus.SENT, ReminderStatus.SENDING)
                and remind_at <= now
            ):
                continue
            reminder.remind_at = remind_at
            reminder.status = ReminderStatus.PENDING
            reminder.claimed_at = reminder.sent_at = reminder.email_sent_at = None
            reminder.save(
                update_fields=["remind_at", "status", "claimed_at", "sent_at", "email_sent_at"]
            )
            to_schedule.append(reminder)
    for (recipient, minutes), remind_at in wanted.items():
        to_schedule.append(
            Reminder.objects.create(
                activity=activity,
                recipient_id=recipient,
                minutes_before=minutes,
                remind_at=remind_at,
            )
        )
    if to_schedule:
        from .tasks import enqueue_reminders

        pending = [(reminder.pk, reminder.remind_at) for reminder in to_schedule]
        transaction.on_commit(lambda: enqueue_reminders(pending))


def reminders_cancel(activity: Activity) -> None:
    """Cancel every pending reminder of the activity (it is done or being deleted)."""
    Reminder.objects.filter(activity=activity, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED
    )
