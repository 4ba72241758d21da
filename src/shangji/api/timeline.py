"""The timelines of opportunities, accounts, contacts and leads: activities and history in one
stream."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from shangji.accounts.models import Account
from shangji.activities.choices import ActivityKind
from shangji.contacts.models import Contact
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity

from .activities import ACTIVITY_JOINS, ACTIVITY_PREFETCHES
from .activity_schemas import ActivityOut
from .errors import READ_ERRORS
from .opportunity_schemas import OpportunityChangeOut
from .schemas import Cursor, ValidationErrorOut

router = Router()


class TimelineEntryOut(Schema):
    kind: str = Field(
        description="The activity's kind (call, meeting, task, note, email), or the kind of "
        "history event."
    )
    occurred_at: datetime.datetime
    activity: ActivityOut | None = Field(description="Set for an activity.")
    change: OpportunityChangeOut | None = Field(description="Set for a history event.")


class TimelineOut(Schema):
    entries: list[TimelineEntryOut] = Field(description="Newest first.")
    planned: list[ActivityOut] = Field(
        description="Open tasks and upcoming calls and meetings, shown apart at the top."
    )
    next_cursor: str | None


# An activity's kind, or "change" for a history row (activities.selectors.CHANGE).
TimelineKind = Literal[(*ActivityKind.values, "change")]  # type: ignore[valid-type]


class TimelineQuery(Schema):
    kinds: list[TimelineKind] = Field(
        [],
        description="Only these kinds of entry (repeat the parameter for several): activity "
        "kinds and `change` for history rows; default: all.",
    )
    cursor: Cursor = None
    limit: int = Field(30, ge=1, le=100, description="Entries per page (1–100).")


_DESCRIPTION = (
    "Activities and history events (stage moves, close-date moves, reassignments) in one "
    "stream, newest first, one cursor page at a time; `planned` holds the open work. Only what "
    "the caller may see."
)
_RESPONSES = {200: TimelineOut, 400: ValidationErrorOut, **READ_ERRORS}


def _timeline(request: HttpRequest, query: TimelineQuery, **record) -> dict:
    from shangji.activities.selectors import activity_timeline

    try:
        page = activity_timeline(
            user=request.auth,
            kinds=query.kinds or None,
            cursor=query.cursor or None,
            size=query.limit,
            **record,
        )
    except ValueError:
        if not query.cursor:
            raise
        # Malformed, or made for another filter.
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    activities = [entry.activity for entry in page.entries if entry.activity is not None]
    activities += page.planned
    prefetch_related_objects(activities, *ACTIVITY_JOINS, *ACTIVITY_PREFETCHES)
    changes = [entry.change for entry in page.entries if entry.change is not None]
    prefetch_related_objects(changes, "actor", "stage")
    return {"entries": page.entries, "planned": page.planned, "next_cursor": page.next_cursor}


@router.get(
    "/opportunities/{opportunity_id}/timeline",
    response=_RESPONSES,
    tags=["opportunities"],
    summary="An opportunity's timeline",
    description=_DESCRIPTION,
)
def opportunity_timeline(request, opportunity_id: int, query: Query[TimelineQuery]):
    visible = Opportunity.objects.visible_to(request.auth)
    opportunity = get_object_or_404(visible, pk=opportunity_id)
    return _timeline(request, query, opportunity=opportunity)


@router.get(
    "/accounts/{account_id}/timeline",
    response=_RESPONSES,
    tags=["accounts"],
    summary="An account's timeline",
    description=_DESCRIPTION,
)
def account_timeline(request, account_id: int, query: Query[TimelineQuery]):
    account = get_object_or_404(Account.objects.visible_to(request.auth), pk=account_id)
    return _timeline(request, query, account=account)


@router.get(
    "/contacts/{contact_id}/timeline",
    response=_RESPONSES,
    tags=["contacts"],
    summary="A contact's timeline",
    description=_DESCRIPTION,
)
def contact_timeline(request, contact_id: int, query: Query[TimelineQuery]):
    contact = get_object_or_404(Contact.objects.visible_to(request.auth), pk=contact_id)
    return _timeline(request, query, contact=contact)


@router.get(
    "/leads/{lead_id}/timeline",
    response=_RESPONSES,
    tags=["leads"],
    summary="A lead's timeline",
    description=_DESCRIPTION,
)
def lead_timeline(request, lead_id: int, query: Query[TimelineQuery]):
    lead = get_object_or_404(Lead.objects.visible_to(request.auth), pk=lead_id)
    return _timeline(request, query, lead=lead)
