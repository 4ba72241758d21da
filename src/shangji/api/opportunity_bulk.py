"""/opportunities/export and /opportunities/bulk-update: the list page's export and bulk update.

The same selector, FilterSet, columns and services as the pages: one rule, one place.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shangji.audit.services import audited_export
from shangji.core.exports import FORMATS, export_response
from shangji.opportunities import bulk, selectors
from shangji.opportunities.choices import ForecastCategory, LeadSource, OpportunityType
from shangji.opportunities.columns import EXPORT_COLUMNS, export_columns
from shangji.opportunities.filters import SORT_FIELDS
from shangji.opportunities.models import BulkUpdateJob

from .errors import READ_ERRORS, WRITE_ERRORS
from .references import References
from .schemas import EXPORT_FILE_RESPONSE, InputSchema, ValidationErrorOut, read_from

router = Router(tags=["opportunities"])

COLUMN_KEYS = ", ".join(column.key for column in EXPORT_COLUMNS)


class ExportQuery(Schema):
    format: str = Field("csv", description="csv or xlsx.")
    columns: str = Field(
        "", description="Comma-separated column keys (or the parameter repeated); all if empty."
    )
    bom: bool = Field(True, description="CSV only: start with a byte-order mark for Excel.")
    ordering: str = Field("close_date", description="As in GET /opportunities.")


@router.get(
    "/export",
    response={400: ValidationErrorOut, **READ_ERRORS},
    summary="Export opportunities as CSV or XLSX",
    description="The opportunities the caller may see that match the list's filters (the same "
    "query parameters as GET /opportunities), in the list's order. `columns`: comma-separated "
    f"keys, all by default, of: {COLUMN_KEYS}. Headers are in the caller's language and are "
    "the ones the importer recognises. Text a spreadsheet would run as a formula starts with "
    "'. The file streams; a 200 answer is the file itself.",
    openapi_extra=EXPORT_FILE_RESPONSE,
)
def export_opportunities(request, options: Query[ExportQuery]):
    errors: dict[str, list[str]] = {}
    file_format, ordering = options.format, options.ordering
    if file_format not in FORMATS:
        errors["format"] = [_("Choose csv or xlsx.")]
    chosen, unknown = export_columns(request.GET.getlist("columns"))
    if unknown:
        errors["columns"] = [_("Unknown columns: %(keys)s.") % {"keys": ", ".join(unknown)}]
    if ordering.lstrip("-") not in SORT_FIELDS:
        errors["ordering"] = [_("This list cannot be sorted by that.")]
    if errors:
        raise ValidationError(errors)
    params = request.GET.copy()
    for name in ("format", "columns", "bom", "ordering", "cursor", "limit"):
        params.pop(name, None)
    rows = selectors.opportunity_export_rows(user=request.auth, params=params, sort=ordering)
    if rows is None:
        filterset = selectors.opportunity_filterset(user=request.auth, params=params)
        filterset.is_valid()
        raise ValidationError(filterset.form.errors.as_data())
    rows = audited_export(
        rows, actor=request.auth, export="opportunities", file_format=file_format, filters=params
    )
    return export_response(
        f"opportunities-{timezone.localdate():%Y%m%d}",
        [column.header for column in chosen],
        ([column.value(opportunity) for column in chosen] for opportunity in rows),
        file_format=file_format,
        bom=options.bom,
    )


class BulkChangesIn(InputSchema):
    """Only the keys given change; a stage move takes the stage's probability."""

    owner: int | None = Field(None, description="A user id: assign (the user is notified).")
    stage: int | None = Field(None, description="A stage id.")
    lost_reason: str | None = Field(None, description="Needed when `stage` is a lost stage.")
    close_date: datetime.date | None = None
    type: OpportunityType | None = None
    lead_source: LeadSource | None = None
    forecast_category: ForecastCategory | None = None


FilterValue = str | int | bool | list[str | int]


class BulkUpdateIn(InputSchema):
    ids: list[int] | None = Field(None, description="The opportunities to change.")
    filters: dict[str, FilterValue] | None = Field(
        None,
        description="Or: every opportunity you may see matching these list filters "
        "(the query parameters of GET /opportunities), read when the request arrives.",
    )
    changes: BulkChangesIn


class BulkFailureOut(Schema):
    id: int
    name: str = Field(description="Empty when the opportunity is not visible to you.")
    reason: str


class BulkUpdateOut(Schema):
    id: int
    status: str = Field(description="queued, running, done or failed.")
    total: int
    processed: int
    updated: int = read_from("updated_count")
    unchanged: int = read_from("unchanged_count")
    failed: int = read_from("failed_count")
    failures: list[BulkFailureOut] = Field(description="Filled in when the update is done.")
    message: str


def _filter_params(filters: dict) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        params.setlist(
            name,
            [
                ("true" if item else "false") if isinstance(item, bool) else str(item)
                for item in values
            ],
        )
    return params


@router.post(
    "/bulk-update",
    response={200: BulkUpdateOut, 202: BulkUpdateOut, **WRITE_ERRORS},
    summary="Change many opportunities at once",
    description="Give `ids` or `filters`, and the `changes`. Each opportunity goes through the "
    "same rules as PATCH /opportunities/{id} (history, permissions, probability, lost reason, "
    f"notification on assignment) on its own. Up to {bulk.INLINE_LIMIT} are changed at once "
    "(200, with the counts and the failures and why); more are queued for the task worker "
    "(202): follow GET /opportunities/bulk-update/{id}.",
)
def bulk_update(request, payload: BulkUpdateIn):
    if (payload.ids is None) == (payload.filters is None):
        raise ValidationError({"__all__": [_("Give either ids or filters.")]})
    changes = References(request.auth).resolve_fields(
        payload.changes.model_dump(exclude_none=True), owner="owner", stage="stage"
    )
    arguments: dict = {"ids": payload.ids}
    if payload.filters is not None:
        filterset = selectors.opportunity_filterset(
            user=request.auth, params=_filter_params(payload.filters)
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.form.errors.as_data())
        arguments = {"queryset": filterset.qs}
    job = bulk.bulk_update_start(
        actor=request.auth, changes=changes, language=translation.get_language(), **arguments
    )
    return Status(202 if job.is_active else 200, job)


@router.get(
    "/bulk-update/{job_id}",
    response={200: BulkUpdateOut, **READ_ERRORS},
    summary="A bulk update's progress and result",
    description="Your own bulk updates only; `processed` of `total` while it runs.",
)
def bulk_update_status(request, job_id: int):
    return get_object_or_404(BulkUpdateJob, pk=job_id, created_by=request.auth)
