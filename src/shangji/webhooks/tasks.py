"""Background work of webhooks, run by the task worker (`shangji worker`).

Each delivery attempt is a task (`send_webhook_delivery`), a retry one deferred with
`run_after`. As for reminders (see activities/tasks.py), a sweep thread in every worker process
is the safety net: it fans out events whose after-commit step was lost and re-queues deliveries
whose task was lost. Duplicate tasks are harmless: each attempt is claimed by one worker.
"""

import datetime
import logging
import threading

from django.db import close_old_connections, connections, transaction
from django.tasks import task

from .delivery import FAN_OUT_BATCH, deliveries_sweep, delivery_attempt, events_fan_out

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = 30.0
WEBHOOK_PRIORITY = 5


@task(priority=WEBHOOK_PRIORITY)
def send_webhook_delivery(delivery_id: int) -> str:
    """Attempt one delivery; queue its retry or the record's next delivery."""
    outcome, queue = delivery_attempt(delivery_id=delivery_id)
    for pending_id, when in queue:
        enqueue_deliveries([pending_id], run_after=when)
    return outcome


def enqueue_deliveries(ids: list[int], run_after: datetime.datetime | None = None) -> None:
    """Tell the worker to send these deliveries (a failure is logged: the sweep sends them)."""
    try:
        with transaction.atomic():
            for delivery_id in ids:
                send = (
                    send_webhook_delivery.using(run_after=run_after)
                    if run_after
                    else (send_webhook_delivery)
                )
                send.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not enqueue %d webhook deliveries; the sweep will", len(ids))


def fan_out_committed() -> None:
    """After a commit: create and queue the deliveries of every event not fanned out yet.

    Errors are logged, not raised: the write is committed, and the sweep fans out later.
    """
    try:
        while True:
            claimed, created = events_fan_out()
            if created:
                enqueue_deliveries(created)
            if claimed < FAN_OUT_BATCH:
                return
    except Exception:
        logger.exception("Webhook fan-out failed; the sweep will retry it")


class WebhookSweeper(threading.Thread):
    """Runs the webhook sweep in a worker process every `interval` seconds until stopped."""

    def __init__(self, interval: float = SWEEP_INTERVAL):
        super().__init__(name="webhook-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def sweep_once(self) -> int:
        try:
            close_old_connections()
            created, overdue = deliveries_sweep()
            if created or overdue:
                enqueue_deliveries(created + overdue)
            return len(created) + len(overdue)
        except Exception:
            logger.exception("Webhook sweep failed")
            return 0
        finally:
            connections.close_all()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sweep_once()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


def start_webhook_sweeper(interval: float = SWEEP_INTERVAL) -> WebhookSweeper:
    """Start the webhook sweep thread of this worker process."""
    sweeper = WebhookSweeper(interval)
    sweeper.start()
    return sweeper
