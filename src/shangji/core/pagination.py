"""Keyset pagination over any sort column: the page after a row, never OFFSET.

The cursor carries the sort value and the id of the last row shown. Nulls sort last in both
directions, so a nullable sort column pages correctly too.
"""

import base64
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet


@dataclass
class Page:
    items: list
    next_cursor: str | None
    has_previous: bool


def _encode(value) -> str:
    if isinstance(value, datetime.datetime):
        payload = {"t": "dt", "v": value.isoformat()}
    elif isinstance(value, datetime.date):
        payload = {"t": "d", "v": value.isoformat()}
    elif isinstance(value, Decimal):
        payload = {"t": "dec", "v": str(value)}
    else:
        payload = {"t": "raw", "v": value}
    return payload


def _decode(payload):
    kind, value = payload.get("t"), payload.get("v")
    if value is None:
        return None
    return {
        "dt": datetime.datetime.fromisoformat,
        "d": datetime.date.fromisoformat,
        "dec": Decimal,
    }.get(kind, lambda v: v)(value)


def encode_cursor(value, pk) -> str:
    raw = json.dumps({"s": _encode(value), "id": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    """(sort value, id) from a cursor; raises ValueError on a malformed one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return _decode(data["s"]), int(data["id"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError("bad cursor") from error


def _value_of(item, path: str):
    """The value at a `a__b` lookup path on a model instance (None past a missing relation)."""
    for part in path.split("__"):
        item = getattr(item, part, None) if item is not None else None
    return item


def order_for(field: str, descending: bool) -> list:
    column = F(field)
    first = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return [first, "-id" if descending else "id"]


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool = False,
    cursor: str | None = None,
    size: int = 50,
) -> Page:
    """The page of `queryset` ordered by (`field`, id) that follows `cursor`."""
    if cursor:
        value, last_id = decode_cursor(cursor)
        after_id = Q(id__lt=last_id) if descending else Q(id__gt=last_id)
        if value is None:
            condition = Q(**{f"{field}__isnull": True}) & after_id
        else:
            beyond = f"{field}__lt" if descending else f"{field}__gt"
            condition = (
                Q(**{beyond: value})
                | (Q(**{field: value}) & after_id)
                | Q(**{f"{field}__isnull": True})
            )
        queryset = queryset.filter(condition)
    rows = list(queryset.order_by(*order_for(field, descending))[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor(_value_of(last, field), last.pk)
    return Page(items=items, next_cursor=next_cursor, has_previous=bool(cursor))
