"""Reading notifications: their text in the reader's language and time zone, and what is new."""

import datetime
import logging

from django.utils import timezone
from django.utils.formats import date_format

logger = logging.getLogger(__name__)

POLL_LIMIT = 5


def format_when(value: str) -> str:
    """An ISO time as the reader says it: "14:00" today, "11月28日 14:00" on another day."""
    moment = timezone.localtime(datetime.datetime.fromisoformat(value))
    clock = moment.strftime("%H:%M")
    today = timezone.localdate()
    if moment.date() == today:
        return clock
    day_format = "MONTH_DAY_FORMAT" if moment.year == today.year else "DATE_FORMAT"
    return f"{date_format(moment, day_format)} {clock}"


def _reminder_params(params: dict) -> dict:
    from .models import REMINDER_KIND_WORDS

    kind = params.get("kind", "")
    return {
        "kind": REMINDER_KIND_WORDS.get(kind, kind),
        "subject": params.get("subject", ""),
        "time": format_when(params["starts_at"]) if params.get("starts_at") else "",
    }


def notification_text(verb: str, params: dict) -> str:
    """The sentence of a notification, rendered now (language and time zone of the request)."""
    from .models import NOTIFICATION_TEXTS

    try:
        values = _reminder_params(params) if verb == "reminder" else params
        return str(NOTIFICATION_TEXTS[verb]) % values
    except (KeyError, TypeError, ValueError):
        # A notification written by an older or newer version never breaks a page.
        logger.warning("Cannot render notification %s %r", verb, params)
        return verb


def notifications_since(user, since: datetime.datetime | None):
    """The user's unread notifications created after `since`, oldest first (for toasts)."""
    if since is None:
        return []
    unread = user.notifications.filter(read_at__isnull=True, created_at__gt=since)
    return list(unread.order_by("-created_at", "-id")[:POLL_LIMIT])[::-1]
