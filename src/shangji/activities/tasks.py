"""Background work of activities: reminders, delivered by the task worker (`shangji worker`).

Each reminder gets a task deferred to its `remind_at` (`run_after`). Task rows live in the
database, so they outlive a worker restart. Moving a reminder enqueues a new task and leaves the
old one to find nothing to do; delivery.py explains why nothing is ever delivered twice.

The safety net, as there is no cron: `shangji worker` runs `reminders_sweep` in a thread of its
own, at start-up and every SWEEP_INTERVAL seconds. We chose this over a sweep task that
re-enqueues itself because such a chain silently ends when a worker is killed while running it
(its row stays RUNNING for ever) and needs de-duplication between workers; a loop inside every
worker process cannot end on its own, and sweeps racing each other or the tasks are harmless
because every reminder is claimed exactly once.
"""

import datetime
import logging
import threading

from django.db import close_old_connections, connections, transaction
from django.tasks import task

from .delivery import reminder_deliver, reminders_sweep

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = 30.0
REMINDER_PRIORITY = 10  # before slower background work queued at the same time


@task(priority=REMINDER_PRIORITY)
def deliver_reminder(reminder_id: int, remind_at: str = "") -> str:
    """Deliver one reminder at its time; `remind_at` records which schedule enqueued it."""
    return "sent" if reminder_deliver(reminder_id=reminder_id) else "skipped"


def enqueue_reminders(pending: list[tuple[int, datetime.datetime]]) -> None:
    """Tell the worker to deliver these reminders at their time (called after the commit).

    A failure here is logged, not raised: the activity is saved, and the sweep delivers the
    reminders anyway, at most SWEEP_INTERVAL seconds late.
    """
    try:
        with transaction.atomic():
            for reminder_id, remind_at in pending:
                deliver_reminder.using(run_after=remind_at).enqueue(
                    reminder_id, remind_at.isoformat()
                )
    except Exception:
        logger.exception("Could not enqueue %d reminder(s); the sweep will send them", len(pending))


class ReminderSweeper(threading.Thread):
    """Runs the reminder sweep in a worker process every `interval` seconds until stopped."""

    def __init__(self, interval: float = SWEEP_INTERVAL):
        super().__init__(name="reminder-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def sweep_once(self) -> int:
        try:
            close_old_connections()
            return reminders_sweep()
        except Exception:  # e.g. the database is restarting: try again next time
            logger.exception("Reminder sweep failed")
            return 0
        finally:
            connections.close_all()  # this thread's connections only

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sweep_once()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


def start_reminder_sweeper(interval: float = SWEEP_INTERVAL) -> ReminderSweeper:
    """Start the sweep thread of this worker process."""
    sweeper = ReminderSweeper(interval)
    sweeper.start()
    return sweeper
