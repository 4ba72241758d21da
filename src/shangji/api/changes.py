"""/changes: the change feed — every create, change and delete you may read, in commit order."""

import datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from shangji.webhooks.choices import Action, EntityKind
from shangji.webhooks.selectors import FEED_LIMIT, FEED_MAX_LIMIT, change_feed

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema

router = Router(tags=["change feed"])


class ChangeOut(Schema):
    id: int = Field(description="The event's id (also sent as `id` in webhook bodies).")
    cursor: str = Field(description="Pass as `since` to continue after this event.")
    occurred_at: datetime.datetime
    kind: EntityKind = Field(description="What kind of record changed.")
    entity_id: int = Field(description="The record's id (of its kind).")
    action: Action
    actor: int | None = Field(description="The user who made the change (null: the system).")
    payload: dict[str, Any] = Field(
        description="The record's stored fields as written (foreign keys as `<name>_id`), and "
        "`changed`: the fields the change set. A deletion carries the record as it was."
    )

    @staticmethod
    def resolve_actor(obj) -> int | None:
        return obj.actor_id


class ChangePage(Schema):
    events: list[ChangeOut]
    next: str = Field(
        description="The cursor to poll with next (the last event's, or `since` when there is "
        "nothing new)."
    )
    has_more: bool = Field(description="More events are ready: ask again now.")


class ChangeFilters(InputSchema):
    since: str | None = Field(
        None,
        description="The `next` of your previous call; omit to start from the first event.",
        examples=["0.0"],
    )
    limit: Annotated[int, Field(ge=1, le=FEED_MAX_LIMIT)] = FEED_LIMIT


@router.get(
    "/changes",
    response={200: ChangePage, **READ_ERRORS, 400: WRITE_ERRORS[400]},
    summary="Poll the change feed",
    description="Every create, change and delete of opportunities, accounts, contacts, leads, "
    "activities and imports that you may read, in the order the writes committed. Keep the "
    "`next` cursor and poll with `since=<next>`: you see each event exactly once, even while "
    "others write. Who reads an event is decided when it is written (the record's owner then; "
    "accounts, contacts and unassigned leads are everyone's). A record's events arrive in the "
    "order its changes were made; the last event of a record is its current state "
    "(`action` `deleted`: gone).",
)
def list_changes(request, filters: Query[ChangeFilters]):
    page = change_feed(user=request.auth, since=filters.since, limit=filters.limit)
    return {"events": page.events, "next": page.next, "has_more": page.has_more}
