"""The weekly forecast snapshot, taken by the task worker (`shangji worker`) without a cron.

Every worker process runs `forecast_snapshot_sweep` in a thread of its own, at start-up and
every SNAPSHOT_SWEEP_INTERVAL seconds: when the current local week (settings.TIME_ZONE, weeks
start on Monday) has no snapshot yet it takes one, so the week's snapshot is taken within
minutes of Monday 00:00, or as soon as a worker runs again after a stop. The sweep takes it
itself rather than enqueueing a task, for the reason activities/tasks.py gives (a queued task
can be lost; a loop in every worker cannot). Sweeps racing each other are harmless: the
service writes a week once. The `take_forecast_snapshot` task does the same work for whoever
wants it queued.
"""

import datetime
import logging
import sys

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shangji.activities.tasks import ReminderSweeper

from .snapshots import forecast_snapshot_exists, forecast_snapshot_take, local_today, week_of

logger = logging.getLogger(__name__)

SNAPSHOT_SWEEP_INTERVAL = 300.0


@task()
def take_forecast_snapshot(week: str = "") -> int:
    """Take the forecast snapshot of `week` (ISO date, default this week); rows written."""
    return forecast_snapshot_take(week=datetime.date.fromisoformat(week) if week else None)


def forecast_snapshot_sweep(now: datetime.datetime | None = None) -> int:
    """Take this week's snapshot if it has none yet; returns the rows written."""
    if forecast_snapshot_exists(week_of(local_today(now))):
        return 0
    written = take_forecast_snapshot.call()
    logger.info("Took the weekly forecast snapshot: %d row(s)", written)
    return written


class ForecastSnapshotSweeper(ReminderSweeper):
    """The reminder sweeper's loop, running the weekly snapshot sweep instead."""

    def __init__(self, interval: float = SNAPSHOT_SWEEP_INTERVAL):
        super().__init__(interval)
        self.name = "forecast-snapshot-sweeper"

    def sweep_once(self) -> int:
        try:
            close_old_connections()
            return forecast_snapshot_sweep()
        except Exception:  # e.g. the database is restarting: try again next time
            logger.exception("Forecast snapshot sweep failed")
            return 0
        finally:
            connections.close_all()  # this thread's connections only


def start_forecast_snapshot_sweeper(
    interval: float = SNAPSHOT_SWEEP_INTERVAL,
) -> ForecastSnapshotSweeper:
    """Start the snapshot thread of this worker process."""
    sweeper = ForecastSnapshotSweeper(interval)
    sweeper.start()
    return sweeper


def forecast_snapshot_command(week: datetime.date | None) -> int:
    """`shangji forecast-snapshot [--week YYYY-MM-DD]`: take it now and say what happened."""
    try:
        written = forecast_snapshot_take(week=week)
    except ValidationError as error:
        print("shangji: " + " ".join(error.messages), file=sys.stderr)
        return 1
    monday = week_of(week or local_today())
    if written:
        message = ngettext(
            "Took the forecast snapshot of the week of %(week)s: %(rows)d row.",
            "Took the forecast snapshot of the week of %(week)s: %(rows)d rows.",
            written,
        )
        print(message % {"week": monday.isoformat(), "rows": written})
    else:
        print(
            _("The week of %(week)s has its forecast snapshot already (or nothing to record).")
            % {"week": monday.isoformat()}
        )
    return 0
