"""Cursor pages for the API's lists: {"results": [...], "next_cursor": "..." | null}."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shangji.core.pagination import keyset_page


def cursor_page(
    queryset: QuerySet, *, field: str, descending: bool = False, cursor: str | None, limit: int
) -> dict:
    """The page of `queryset` after `cursor`, ordered by `field` then id; a bad cursor is a 400."""
    try:
        page = keyset_page(
            queryset, field=field, descending=descending, cursor=cursor or None, size=limit
        )
    except (ValueError, ValidationError):
        # Malformed, or made for another ordering (its sort value does not fit the column).
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    return {"results": page.items, "next_cursor": page.next_cursor}
