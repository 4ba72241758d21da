"""The personal iCalendar feed: a user's calls, meetings and open tasks, with reminder alarms."""

import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Todo

from shangji.activities.choices import DONE_STATUSES, ActivityKind, ReminderStatus, TaskPriority
from shangji.activities.delivery import activity_page_url
from shangji.activities.models import Activity, ActivityParticipant, Reminder

DAYS_BACK = 30
DAYS_AHEAD = 365
ICAL_PRIORITY = {TaskPriority.HIGH: 1, TaskPriority.MEDIUM: 5, TaskPriority.LOW: 9}
TASK_STATUS = {"in_progress": "IN-PROCESS"}
EVENT_STATUS = {"not_held": "CANCELLED"}


def calendar_activities(user, now: datetime.datetime):
    """Calls and meetings the user owns or is invited to, and their open tasks, in the window."""
    start = now - datetime.timedelta(days=DAYS_BACK)
    end = now + datetime.timedelta(days=DAYS_AHEAD)
    invited = ActivityParticipant.objects.filter(user=user).values("activity_id")
    in_window = Q(starts_at__gte=start, starts_at__lte=end)
    events = Q(kind__in=[ActivityKind.CALL, ActivityKind.MEETING]) & in_window
    tasks = (
        Q(kind=ActivityKind.TASK)
        & ~Q(status__in=DONE_STATUSES)
        & (in_window | Q(starts_at__isnull=True))
    )
    alarms = Reminder.objects.filter(recipient=user).exclude(status=ReminderStatus.CANCELLED)
    return (
        Activity.objects.filter(Q(owner=user) | Q(pk__in=invited))
        .filter(events | tasks)
        .select_related("opportunity", "account", "contact")
        .prefetch_related(Prefetch("reminders", queryset=alarms, to_attr="my_reminders"))
        .order_by("starts_at", "pk")
    )


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _summary(activity: Activity) -> str:
    return f"{activity.get_kind_display()}: {activity.subject or activity}"


def _description(activity: Activity, url: str) -> str:
    record = activity.opportunity or activity.contact or activity.account
    parts = [str(record)] if record else []
    if activity.body:
        parts.append(activity.body)
    parts.append(url)
    return "\n\n".join(parts)


def _alarms(activity: Activity, summary: str, related_to_end: bool) -> list[Alarm]:
    alarms = []
    for reminder in activity.my_reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        trigger = -datetime.timedelta(minutes=reminder.minutes_before)
        alarm.add("trigger", trigger, parameters={"RELATED": "END"} if related_to_end else None)
        alarms.append(alarm)
    return alarms


def _component(activity: Activity, *, host: str, base_url: str, stamp: datetime.datetime):
    summary = _summary(activity)
    url = base_url + activity_page_url(activity)
    if activity.kind == ActivityKind.TASK:
        component = Todo()
        if activity.starts_at:
            component.add("due", _utc(activity.starts_at))
        component.add("status", TASK_STATUS.get(activity.status, "NEEDS-ACTION"))
        if activity.priority in ICAL_PRIORITY:
            component.add("priority", ICAL_PRIORITY[activity.priority])
    else:
        component = Event()
        ends_at = activity.ends_at or activity.starts_at + datetime.timedelta(minutes=15)
        component.add("dtstart", _utc(activity.starts_at))
        component.add("dtend", _utc(ends_at))
        component.add("status", EVENT_STATUS.get(activity.status, "CONFIRMED"))
        if activity.location:
            component.add("location", activity.location)
    component.add("uid", f"activity-{activity.pk}@{host}")
    component.add("dtstamp", stamp)
    component.add("last-modified", _utc(activity.updated_at))
    component.add("sequence", activity.version)
    component.add("summary", summary)
    component.add("description", _description(activity, url))
    component.add("url", url)
    has_due = activity.kind != ActivityKind.TASK or activity.starts_at is not None
    if has_due:
        for alarm in _alarms(activity, summary, related_to_end=activity.kind == ActivityKind.TASK):
            component.add_component(alarm)
    return component


def calendar_feed(user, *, host: str, base_url: str) -> bytes:
    """The user's feed as iCalendar text; every time in UTC, one UID per activity."""
    now = timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Shangji//Shangji CRM//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Shangji: %(name)s") % {"name": user.display_name})
    refresh = datetime.timedelta(minutes=15)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    stamp = _utc(now)
    for activity in calendar_activities(user, now):
        calendar.add_component(_component(activity, host=host, base_url=base_url, stamp=stamp))
    return calendar.to_ical()
