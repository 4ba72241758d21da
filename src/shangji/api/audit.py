"""/audit-log: sign-ins, access changes, API keys, exports and deletions (administrators);
and the sign-in throttle of POST /auth/token."""

import datetime
import json

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from ninja import Field, Query, Router, Schema

from shangji.audit import selectors
from shangji.audit.choices import AuditAction
from shangji.audit.context import caller_from
from shangji.audit.throttle import (
    LoginLock,
    login_failure_record,
    login_lock_find,
    login_success_record,
)
from shangji.core.errors import PermissionDeniedError
from shangji.users.models import User

from .errors import READ_ERRORS
from .pagination import cursor_page
from .schemas import Cursor, Limit, MessageOut, ValidationErrorOut

router = Router(tags=["audit log"])

# The 429 of POST /auth/token carries Retry-After (ninja's response map cannot say so).
LOCKED_OPENAPI = {
    "responses": {
        "429": {
            "description": "Too many failed sign-ins for this username or from this address.",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the lock ends.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
    }
}


class AuditEntryOut(Schema):
    id: int
    occurred_at: datetime.datetime
    action: AuditAction
    actor: int | None = Field(validation_alias="actor_id", description="The user's id, if any.")
    actor_label: str = Field(
        description="The username at the time (kept when the user is renamed or deleted); "
        "for a failed sign-in, the name that was tried."
    )
    target_type: str = Field(description="`opportunity`, `user`, `apitoken`, `webhook`, …")
    target_id: int | None
    target_label: str
    ip_address: str | None
    user_agent: str
    details: dict = Field(
        description="Old and new values, an export's row count, format and filters, …"
    )


class AuditPage(Schema):
    results: list[AuditEntryOut]
    next_cursor: str | None


class AuditQuery(Schema):
    action: AuditAction | None = None
    actor: str | None = Field(None, description="A username (as it was at the time).")
    date_from: datetime.date | None = Field(None, description="From this day (your time zone).")
    date_to: datetime.date | None = Field(None, description="To this day, included.")
    target_type: str | None = None
    target_id: int | None = None
    ip_address: str | None = None
    cursor: Cursor = None
    limit: Limit = 50


@router.get(
    "",
    response={200: AuditPage, 400: ValidationErrorOut, 403: MessageOut, **READ_ERRORS},
    summary="List the audit log",
    description="Newest first, one cursor page at a time. Administrators only.",
)
def list_audit_log(request, filters: Query[AuditQuery]):
    if not request.auth.is_admin:
        raise PermissionDeniedError(PermissionDeniedError().message)
    params = QueryDict(mutable=True)
    for name, value in filters.model_dump(exclude={"cursor", "limit"}).items():
        if value is not None and value != "":
            params[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    filterset = selectors.audit_entry_filterset(params=params)
    if not filterset.is_valid():
        raise ValidationError(filterset.form.errors.as_data())
    return cursor_page(
        filterset.qs,
        field="occurred_at",
        descending=True,
        cursor=filters.cursor,
        limit=filters.limit,
    )


def _locked(lock: LoginLock) -> HttpResponse:
    body = json.dumps({"detail": lock.message}, ensure_ascii=False)
    response = HttpResponse(body, status=429, content_type="application/json; charset=utf-8")
    response["Retry-After"] = str(lock.retry_after())
    return response


def throttled_authenticate(
    request: HttpRequest, *, username: str, password: str
) -> User | HttpResponse | None:
    """The active user with these credentials, None, or a 429 answer while the name or the
    caller's address is locked after too many failures (see shangji.audit.throttle)."""
    caller = caller_from(request.META)
    lock = login_lock_find(username=username, ip_address=caller.ip_address)
    if lock is not None:
        return _locked(lock)
    # No user has a NUL in their name, and PostgreSQL refuses one in a query: a plain failure.
    user = (
        None if "\x00" in username else authenticate(request, username=username, password=password)
    )
    if user is None or not user.is_active:
        lock = login_failure_record(
            username=username,
            ip_address=caller.ip_address,
            user_agent=caller.user_agent,
            via="api",
        )
        return _locked(lock) if lock is not None else None
    login_success_record(
        user=user, ip_address=caller.ip_address, user_agent=caller.user_agent, via="api"
    )
    return user
