"""/activities: calls, meetings, tasks and notes (and, read-only here, e-mails)."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from shangji.activities import services
from shangji.activities.choices import ReminderStatus
from shangji.activities.filters import ActivityFilter
from shangji.activities.models import Activity, ActivityParticipant, Attachment, Reminder

from .activity_schemas import (
    ActivityCreate,
    ActivityListQuery,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    VersionIn,
)
from .errors import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from .pagination import cursor_page
from .references import References
from .schemas import ValidationErrorOut

router = Router(tags=["activities"])

# What ActivityOut reads besides the row, in a fixed number of queries for any number of rows:
# the rows it joins, and those it fetches in one query per relation.
ACTIVITY_JOINS = ("owner", "email")
ACTIVITY_PREFETCHES = (
    # Attributes of their own, so that rows a selector prefetched differently are read again.
    Prefetch(
        "participants",
        queryset=ActivityParticipant.objects.select_related("user", "contact").order_by("id"),
        to_attr="api_participants",
    ),
    Prefetch(
        "reminders",
        queryset=Reminder.objects.exclude(status=ReminderStatus.CANCELLED).order_by(
            "remind_at", "recipient_id", "id"
        ),
        to_attr="api_reminders",
    ),
    Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="api_attachments"),
)


def with_relations(queryset: QuerySet) -> QuerySet:
    """`queryset` with everything ActivityOut reads."""
    return queryset.select_related(*ACTIVITY_JOINS).prefetch_related(*ACTIVITY_PREFETCHES)


def _visible(request: HttpRequest) -> QuerySet:
    return Activity.objects.visible_to(request.auth)


def _get_visible(request: HttpRequest, activity_id: int) -> Activity:
    """The activity if the caller may see it; 404 otherwise, as if it did not exist."""
    queryset = _visible(request).select_related(
        "owner__team", "opportunity__owner__team", "lead__owner__team"
    )
    return get_object_or_404(queryset, pk=activity_id)


def _read(activity_id: int) -> Activity:
    # After a write, answer with the stored row even if the caller gave it away.
    return with_relations(Activity.objects.all()).get(pk=activity_id)


def _resolve(request: HttpRequest, data: dict) -> dict:
    """Swap the ids in `data` for records; an id the caller may not see is a field error."""
    return References(request.auth).resolve_fields(
        data,
        owner="owner",
        opportunity="opportunity",
        account="account",
        contact="contact",
        lead="lead",
        attendee_users="users",
        attendee_contacts="contact_list",
    )


# The list page's filter names for the API's query parameters that mean the same.
_PAGE_FILTERS = {
    "q": "q",
    "kind": "kind",
    "opportunity": "opportunity",
    "account": "account",
    "contact": "contact",
    "lead": "lead",
    "starts_from": "date_from",
    "starts_to": "date_to",
    "mine": "mine",
}


def _filter(request: HttpRequest, queryset: QuerySet, filters: ActivityListQuery) -> QuerySet:
    """The page's filters (ActivityFilter), then the API's several statuses, assignees, `open`."""
    data = QueryDict(mutable=True)
    for name, page_name in _PAGE_FILTERS.items():
        value = getattr(filters, name)
        if isinstance(value, list):
            data.setlist(page_name, [str(item) for item in value])
        elif isinstance(value, bool):
            data[page_name] = "true" if value else "false"
        elif value is not None:
            data[page_name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    filterset = ActivityFilter(data=data, queryset=queryset, request=request)
    if not filterset.is_valid():
        api_names = {page_name: name for name, page_name in _PAGE_FILTERS.items()}
        errors = filterset.form.errors.as_data()
        raise ValidationError({api_names.get(name, name): value for name, value in errors.items()})
    queryset = filterset.qs
    if filters.status:
        queryset = queryset.filter(status__in=filters.status)
    if filters.owner:
        queryset = queryset.filter(owner__in=filters.owner)
    if filters.open is True:
        queryset = queryset.open()
    elif filters.open is False:
        queryset = queryset.exclude(pk__in=Activity.objects.open().values("pk"))
    return queryset


@router.get(
    "",
    response={200: ActivityPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List activities",
    description="The activities the caller may see, newest first unless `ordering` says "
    "otherwise, one cursor page at a time. Filters combine; a repeated parameter matches any "
    "of its values.",
)
def list_activities(request, filters: Query[ActivityListQuery]):
    queryset = _filter(request, with_relations(_visible(request)), filters)
    return cursor_page(
        queryset,
        field=filters.ordering.removeprefix("-"),
        descending=filters.ordering.startswith("-"),
        cursor=filters.cursor,
        limit=filters.limit,
    )


@router.post(
    "",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Log or schedule an activity",
    description="A call, meeting, task or note, linked to an opportunity, account, contact or "
    "lead (an opportunity's activity also belongs to its account). Reminders, attendees and the "
    "activity are written together, or nothing is. E-mails are sent or imported through "
    "/emails.",
)
def create_activity(request, payload: ActivityCreate):
    data = payload.model_dump(exclude_unset=True)
    kind = data.pop("kind")
    activity = services.activity_create(actor=request.auth, kind=kind, **_resolve(request, data))
    return Status(201, _read(activity.pk))


@router.get("/{activity_id}", response={200: ActivityOut, **READ_ERRORS}, summary="Get an activity")
def get_activity(request, activity_id: int):
    return get_object_or_404(with_relations(_visible(request)), pk=activity_id)


@router.patch(
    "/{activity_id}",
    response={200: ActivityOut, **VERSIONED_WRITE_ERRORS},
    summary="Change an activity",
    description="Send `version` and only the fields to change. `attendee_users`, "
    "`attendee_contacts` and `reminders`, when sent, replace the current ones; reminders move "
    "with the start or due time and are cancelled when the activity is done.",
)
def update_activity(request, activity_id: int, payload: ActivityPatch):
    activity = _get_visible(request, activity_id)
    changes = payload.changes()
    services.activity_update(
        activity=activity,
        actor=request.auth,
        version=payload.version,
        **_resolve(request, changes),
    )
    return _read(activity.pk)


@router.delete(
    "/{activity_id}",
    response={204: None, **VERSIONED_WRITE_ERRORS},
    summary="Delete an activity",
    description="With its attachments and reminders. With `version` (the version you read), a "
    "stale one answers 409 and deletes nothing.",
)
def delete_activity(request, activity_id: int, version: int | None = None):
    activity = _get_visible(request, activity_id)
    services.activity_delete(activity=activity, actor=request.auth, version=version)
    return Status(204, None)


@router.post(
    "/{activity_id}/complete",
    response={200: ActivityOut, **VERSIONED_WRITE_ERRORS},
    summary="Complete an activity",
    description="A task becomes completed, a call or meeting held; its pending reminders are "
    "cancelled. Notes and e-mails cannot be completed (400).",
)
def complete_activity(request, activity_id: int, payload: VersionIn):
    activity = _get_visible(request, activity_id)
    services.activity_complete(activity=activity, actor=request.auth, version=payload.version)
    return _read(activity.pk)
