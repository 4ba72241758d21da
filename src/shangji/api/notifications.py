"""/notifications: the caller's in-app messages (assignments, reminders)."""

import datetime

from ninja import Field, Query, Router, Schema

from shangji.users.models import Notification
from shangji.users.services import notifications_mark_read

from .errors import AUTH_ERRORS, READ_ERRORS
from .pagination import cursor_page
from .schemas import Cursor, InputSchema, Limit, ValidationErrorOut

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    verb: str = Field(description="What happened, e.g. `assigned`.")
    text: str = Field(description="The message in the request's language.")
    url: str = Field(description="The page it is about (a path on this server).")
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    results: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(description="How many of the caller's notifications are unread.")


class NotificationListQuery(Schema):
    unread: bool | None = Field(None, description="true: only the unread ones.")
    cursor: Cursor = None
    limit: Limit = 50


class MarkReadIn(InputSchema):
    ids: list[int] | None = Field(
        None, description="The notifications to mark; omit to mark all of the caller's."
    )


class MarkReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread_count: int


@router.get(
    "",
    response={200: NotificationPage, 400: ValidationErrorOut, **READ_ERRORS},
    summary="List my notifications",
    description="The caller's notifications, newest first, one cursor page at a time.",
)
def list_notifications(request, filters: Query[NotificationListQuery]):
    queryset = Notification.objects.filter(recipient=request.auth)
    if filters.unread:
        queryset = queryset.filter(read_at__isnull=True)
    page = cursor_page(
        queryset, field="created_at", descending=True, cursor=filters.cursor, limit=filters.limit
    )
    unread = request.auth.notifications.filter(read_at__isnull=True).count()
    return {**page, "unread_count": unread}


@router.post(
    "/read",
    response={200: MarkReadOut, 422: ValidationErrorOut, **AUTH_ERRORS},
    summary="Mark my notifications read",
    description="Those in `ids`, or all of them; ids of other people's notifications are ignored.",
)
def mark_read(request, payload: MarkReadIn):
    marked = notifications_mark_read(user=request.auth, ids=payload.ids)
    unread = request.auth.notifications.filter(read_at__isnull=True).count()
    return {"marked": marked, "unread_count": unread}
