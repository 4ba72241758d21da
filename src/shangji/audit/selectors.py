"""Reads of the audit log."""

from shangji.core.pagination import Page, keyset_page

from .filters import AuditEntryFilter
from .models import AuditEntry

PAGE_SIZE = 50


def audit_entry_filterset(*, params, request=None) -> AuditEntryFilter:
    """The log filtered by `params` (page or API query), newest first once paged."""
    return AuditEntryFilter(params, queryset=AuditEntry.objects.all(), request=request)


def audit_entry_page(filterset: AuditEntryFilter, *, cursor: str | None, size: int) -> Page:
    """One keyset page of the filtered log, newest first; a malformed cursor raises ValueError."""
    return keyset_page(
        filterset.qs, field="occurred_at", descending=True, cursor=cursor or None, size=size
    )
