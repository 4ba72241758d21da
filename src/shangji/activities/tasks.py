"""Background work of activities: reminder delivery (filled in by the reminders work)."""


def enqueue_reminders(pending: list[tuple[int, object]]) -> None:
    """Tell the worker to deliver these reminders at their time."""
