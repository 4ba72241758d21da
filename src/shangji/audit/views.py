"""The audit log page (administrators)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import selectors


def detail_lines(details: dict) -> list[tuple[str, str]]:
    """The details of an entry as (key, readable value) pairs."""
    lines = []
    for key, value in (details or {}).items():
        if isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        lines.append((key, text))
    return lines


@login_required
@require_GET
def audit_log_view(request):
    """Every audited event, newest first, filtered, one keyset page at a time."""
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators can read the audit log."))
    filterset = selectors.audit_entry_filterset(params=request.GET, request=request)
    entries, next_url = [], None
    if filterset.is_valid():
        try:
            page = selectors.audit_entry_page(
                filterset, cursor=request.GET.get("cursor"), size=selectors.PAGE_SIZE
            )
        except ValueError:
            page = selectors.audit_entry_page(filterset, cursor=None, size=selectors.PAGE_SIZE)
        entries = page.items
        for entry in entries:
            entry.detail_lines = detail_lines(entry.details)
        if page.next_cursor:
            query = request.GET.copy()
            query["cursor"] = page.next_cursor
            next_url = "?" + query.urlencode()
    first_query = request.GET.copy()
    first_query.pop("cursor", None)
    context = {
        "filter": filterset,
        "entries": entries,
        "next_url": next_url,
        "first_url": "?" + first_query.urlencode(),
        "is_first_page": not request.GET.get("cursor"),
    }
    return render(request, "audit/audit_log.html", context)
