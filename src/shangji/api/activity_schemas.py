"""What activities look like in the API, going out and coming in."""

import datetime
from email.utils import getaddresses
from typing import Annotated, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from shangji.activities.choices import (
    ActivityKind,
    CallStatus,
    Direction,
    TaskPriority,
    TaskStatus,
)

from .schemas import Cursor, InputSchema, Limit, VersionedPatch, read_from

# The kinds the API creates directly; e-mails come in through /emails.
CreatableKind = Literal[
    ActivityKind.CALL.value,
    ActivityKind.MEETING.value,
    ActivityKind.TASK.value,
    ActivityKind.NOTE.value,
]

# One Literal each (not a union with "") so that a wrong value is one error under its field.
_STATUSES = tuple(dict.fromkeys(CallStatus.values + TaskStatus.values))
ActivityStatus = Literal[_STATUSES]  # type: ignore[valid-type]
StatusOrBlank = Literal[("", *_STATUSES)]  # type: ignore[valid-type]
DirectionOrBlank = Literal[("", *Direction.values)]  # type: ignore[valid-type]
PriorityOrBlank = Literal[("", *TaskPriority.values)]  # type: ignore[valid-type]

_STATUS_HELP = (
    f"Calls and meetings: {', '.join(CallStatus.values)} (default planned). "
    f"Tasks: {', '.join(TaskStatus.values)} (default not_started). Notes have none."
)


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is read in the caller's time zone."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


AwareDateTime = Annotated[datetime.datetime, AfterValidator(_aware)]


# --- out -----------------------------------------------------------------------------------


class AttendeeOut(Schema):
    user: int | None = read_from("user_id")
    contact: int | None = read_from("contact_id")
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.user.display_name if obj.user_id else obj.contact.full_name


class ReminderOut(Schema):
    minutes_before: int
    recipient: int = read_from("recipient_id")
    remind_at: datetime.datetime
    status: str = Field(description="pending, sending or sent (cancelled ones are left out).")


def attachment_url(attachment_id: int) -> str | None:
    """The download address of an attachment, or None while the download page is missing."""
    try:
        return reverse("activities:attachment_download", args=[attachment_id])
    except NoReverseMatch:
        return None


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int = Field(description="In bytes.")
    content_type: str
    url: str | None = Field(description="Where to download it (the browser session's page).")

    @staticmethod
    def resolve_url(obj) -> str | None:
        return attachment_url(obj.pk)


def _address_list(text: str) -> list[str]:
    """Stored address lines ("王芳 <wf@example.com>, b@example.com") as one address each."""
    pairs = getaddresses([line for line in text.splitlines() if line.strip()])
    return [f"{name} <{address}>" if name else address for name, address in pairs if address]


class EmailOut(Schema):
    message_id: str
    from_address: str
    to_addresses: list[str]
    cc_addresses: list[str]
    has_html: bool = Field(description="Whether a sanitised HTML body is stored.")

    @staticmethod
    def resolve_to_addresses(obj) -> list[str]:
        return _address_list(obj.to_addresses)

    @staticmethod
    def resolve_cc_addresses(obj) -> list[str]:
        return _address_list(obj.cc_addresses)

    @staticmethod
    def resolve_has_html(obj) -> bool:
        return bool(obj.body_html)


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str = Field(
        description="The notes of a call, a meeting's agenda, a task's "
        "description, a note's text, an e-mail's text body."
    )
    minutes: str = Field(description="A meeting's minutes.")
    status: str = Field(description=_STATUS_HELP)
    direction: str
    priority: str
    starts_at: datetime.datetime | None = Field(
        description="A call's or meeting's start, a task's due time."
    )
    ends_at: datetime.datetime | None
    duration_minutes: int | None
    location: str
    completed_at: datetime.datetime | None
    occurred_at: datetime.datetime = Field(
        description="Its place on the timeline: `starts_at` when there is one, else when it "
        "was written, sent or received."
    )
    owner: int = read_from("owner_id", description="The person it is assigned to.")
    owner_username: str = read_from("owner", "username")
    opportunity: int | None = read_from("opportunity_id")
    account: int | None = read_from("account_id")
    contact: int | None = read_from("contact_id")
    lead: int | None = read_from("lead_id")
    attendees: list[AttendeeOut] = read_from(
        "api_participants",
        description="Meeting attendees, or the contacts an e-mail was exchanged with.",
    )
    reminders: list[ReminderOut] = read_from(
        "api_reminders",
        description="Every recipient's reminders that are still set or already sent.",
    )
    attachments: list[AttachmentOut] = read_from("api_attachments")
    email: EmailOut | None = Field(description="The headers of an e-mail; null for other kinds.")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_email(obj):
        if obj.kind != ActivityKind.EMAIL:
            return None
        try:
            return obj.email
        except ObjectDoesNotExist:
            return None


class ActivityPage(Schema):
    results: list[ActivityOut]
    next_cursor: str | None


# --- in ------------------------------------------------------------------------------------

_LINK_HELP = "An id; an activity is linked to at least one opportunity, account, contact or lead."
_REMINDERS_HELP = (
    "Minutes before the start or due time: 1, 5, 10, 15, 30, 60, 120, 180, 300 or 1440. "
    "Each goes to the assignee and, for meetings, every attending user."
)


class ActivityCreate(InputSchema):
    kind: CreatableKind
    subject: str = Field(
        "", description="Required for tasks; calls, meetings and notes need a subject or a body."
    )
    body: str = ""
    minutes: str = ""
    status: StatusOrBlank = Field("", description=_STATUS_HELP)
    direction: DirectionOrBlank = Field("", description="Calls (default outbound).")
    priority: PriorityOrBlank = Field("", description="Tasks (default medium).")
    starts_at: AwareDateTime | None = Field(
        None,
        description="Required for calls and meetings; a task's due time. Without an offset "
        "it is read in the caller's time zone.",
    )
    ends_at: AwareDateTime | None = Field(
        None, description="Meetings (default: start + duration, or an hour)."
    )
    duration_minutes: int | None = Field(None, ge=0, description="Calls (default 15), meetings.")
    location: str = ""
    owner: int | None = Field(None, description="Who it is assigned to; default: the caller.")
    opportunity: int | None = Field(None, description=_LINK_HELP)
    account: int | None = Field(None, description=_LINK_HELP)
    contact: int | None = Field(None, description=_LINK_HELP)
    lead: int | None = Field(None, description=_LINK_HELP + " Not a converted lead.")
    attendee_users: list[int] = Field([], description="Users invited to a meeting.")
    attendee_contacts: list[int] = Field([], description="Contacts at a meeting.")
    reminders: list[int] = Field([], description=_REMINDERS_HELP)


class ActivityPatch(VersionedPatch):
    """Only the keys sent are changed; attendees and reminders, when sent, replace the old."""

    # Absent keys stay as they are; null is refused except where a field may be empty.
    subject: str = None  # type: ignore[assignment]
    body: str = None  # type: ignore[assignment]
    minutes: str = None  # type: ignore[assignment]
    status: StatusOrBlank = Field(None, description=_STATUS_HELP)  # type: ignore[assignment]
    direction: DirectionOrBlank = None  # type: ignore[assignment]
    priority: PriorityOrBlank = None  # type: ignore[assignment]
    starts_at: AwareDateTime | None = None
    ends_at: AwareDateTime | None = None
    duration_minutes: int | None = Field(None, ge=0)
    location: str = None  # type: ignore[assignment]
    owner: int = None  # type: ignore[assignment]
    opportunity: int | None = None
    account: int | None = None
    contact: int | None = None
    lead: int | None = None
    attendee_users: list[int] = None  # type: ignore[assignment]
    attendee_contacts: list[int] = None  # type: ignore[assignment]
    reminders: list[int] = Field(None, description=_REMINDERS_HELP)  # type: ignore[assignment]


class VersionIn(InputSchema):
    version: int = Field(description="The version you read; a stale one answers 409.")


ORDERINGS = ("-occurred_at", "occurred_at", "-starts_at", "starts_at")


class ActivityListQuery(Schema):
    kind: list[ActivityKind] = Field([], description="Repeat the parameter for several.")
    status: list[ActivityStatus] = Field([], description="Repeat the parameter for several.")  # type: ignore[valid-type]
    owner: list[int] = Field([], description="Assignee ids (repeat the parameter for several).")
    mine: bool | None = Field(
        None, description="Only those assigned to the caller or that the caller attends."
    )
    open: bool | None = Field(
        None,
        description="true: planned calls and meetings and unfinished tasks; false: the rest.",
    )
    opportunity: int | None = Field(None, description="An opportunity the caller may see.")
    account: int | None = Field(
        None, description="Includes the activities on the account's opportunities and contacts."
    )
    contact: int | None = Field(
        None, description="Linked to the contact, or with the contact attending or on an e-mail."
    )
    lead: int | None = Field(None, description="A lead the caller may see.")
    starts_from: datetime.date | None = Field(
        None,
        description="From this day on (in the caller's time zone), by `occurred_at`: the start "
        "of a call or meeting, the due time of a task (its creation when it has none), when a "
        "note was written or an e-mail sent or received.",
    )
    starts_to: datetime.date | None = Field(
        None, description="Up to and including this day; see `starts_from`."
    )
    q: str | None = Field(
        None, description="Text in the subject, body, opportunity name or account name."
    )
    ordering: Literal[ORDERINGS] = Field(  # type: ignore[valid-type]
        "-occurred_at",
        description="occurred_at or starts_at (undated ones last); prefix '-' for newest first.",
    )
    cursor: Cursor = None
    limit: Limit = 50
