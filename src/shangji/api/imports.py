"""/imports: upload a file, set its column mapping, check it (dry run), import it in the task
worker, follow its progress, download its bad rows, undo it. /import-mappings: saved mappings.

The same services as the Import pages; the mapping format is described in
shangji/imports/mapping.py (and by GET /imports/fields).
"""

import datetime
import json
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shangji.imports import selectors, services
from shangji.imports.fields import fields_of
from shangji.imports.models import ImportJob, ImportMapping, JobAction, Kind
from shangji.imports.views import problems_response

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, ValidationErrorOut

router = Router(tags=["imports"])
mappings_router = Router(tags=["imports"])


class CountsOut(Schema):
    created: int = Field(validation_alias="created_count")
    updated: int = Field(validation_alias="updated_count")
    unchanged: int = Field(validation_alias="unchanged_count")
    skipped: int = Field(validation_alias="skipped_count", description="Left out by a rule.")
    failed: int = Field(validation_alias="failed_count", description="Rows with errors.")
    accounts_created: int = Field(validation_alias="accounts_created_count")


class ImportJobOut(Schema):
    id: int
    kind: str
    file_name: str = Field(validation_alias="original_name")
    file_format: str
    encoding: str
    delimiter: str
    sheet: str
    sheets: list[str]
    headers: list[str]
    mapping: dict[str, Any]
    good_rows_only: bool
    status: str = Field(
        description="new, queued, running, checked (dry run done), done, failed (nothing "
        "written), interrupted (the worker stopped; nothing written) or undone."
    )
    action: str = Field(description="What is queued or running: dry_run, import or undo.")
    phase: str
    checked: bool = Field(description="A dry run of the current mapping finished.")
    rows_total: int | None
    rows_read: int
    percent: int
    counts: CountsOut
    message: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    imported_at: datetime.datetime | None
    undone_at: datetime.datetime | None

    @staticmethod
    def resolve_counts(job):
        return job


class ProblemOut(Schema):
    row: int = Field(description="Row number in the file; the header is row 1.")
    column: str
    field: str
    value: str
    message: str
    skipped: bool = Field(description="Left out by a rule of the mapping, not an error.")


class MappingIn(InputSchema):
    fields: dict[str, Any] = Field(description="Field → column name, or a set of rules.")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="date_order (mdy|dmy), decimal_mark (.|,), create_accounts, pipeline.",
    )
    good_rows_only: bool | None = None


class RunIn(InputSchema):
    good_rows_only: bool | None = Field(
        None,
        description="Import the good rows and leave out the bad ones (default: all or nothing).",
    )


class FieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    help: str


class SavedMappingOut(Schema):
    id: int
    name: str
    kind: str
    mapping: dict[str, Any]
    created_by: int | None = Field(validation_alias="created_by_id")
    updated_at: datetime.datetime


class SavedMappingIn(InputSchema):
    name: str
    kind: Kind
    mapping: dict[str, Any]


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return selectors.import_job_get(user=request.auth, pk=pk)


@router.get("/fields", response={200: list[FieldOut], **READ_ERRORS})
def import_fields(request, kind: Kind):
    """The fields a kind of import fills, for building a mapping."""
    return [
        {
            "name": field.name,
            "label": str(field.label),
            "type": field.type,
            "required": field.required,
            "help": str(field.help),
        }
        for field in fields_of(kind).values()
    ]


@router.get("", response={200: list[ImportJobOut], **READ_ERRORS})
def import_list(request):
    """Your imports, newest first (administrators: everyone's); the last 100."""
    return list(selectors.import_job_list(user=request.auth)[:100])


@router.post("", response={201: ImportJobOut, **WRITE_ERRORS})
def import_create(
    request,
    kind: Form[Kind],
    file: File[UploadedFile],
    encoding: Form[str] = "",
    delimiter: Form[str] = "",
    sheet: Form[str] = "",
    mapping: Form[str] = "",
    saved_mapping: Form[int | None] = None,
    good_rows_only: Form[bool] = False,
):
    """Upload a CSV or XLSX file (multipart); its header row is read and a mapping proposed.

    `mapping` is a mapping as JSON, or `saved_mapping` the id of a saved one; without either
    a mapping is proposed from the headers.
    """
    chosen = None
    if mapping:
        try:
            chosen = json.loads(mapping)
        except ValueError:
            from django.core.exceptions import ValidationError

            raise ValidationError({"mapping": [_("The mapping is not valid JSON.")]}) from None
    elif saved_mapping:
        chosen = get_object_or_404(ImportMapping, pk=saved_mapping, kind=kind).mapping
    job = services.import_job_create(
        actor=request.auth,
        kind=kind,
        file=file,
        name=file.name,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        mapping=chosen,
        good_rows_only=good_rows_only,
    )
    return Status(201, job)


@router.get("/{int:import_id}", response={200: ImportJobOut, **READ_ERRORS})
def import_get(request, import_id: int):
    """One import with its status and progress (rows read of rows total)."""
    return _job(request, import_id)


@router.delete("/{int:import_id}", response={204: None, **WRITE_ERRORS})
def import_delete(request, import_id: int):
    """Forget an import that wrote nothing (or was undone), with its file; a running or
    finished one answers 400."""
    services.import_job_delete(job=_job(request, import_id), actor=request.auth)
    return Status(204, None)


@router.put("/{int:import_id}/mapping", response={200: ImportJobOut, **WRITE_ERRORS})
def import_set_mapping(request, import_id: int, payload: MappingIn):
    """Set the column mapping (and the mode); the file has to be checked again."""
    return services.import_job_set_mapping(
        job=_job(request, import_id),
        actor=request.auth,
        mapping={"fields": payload.fields, "options": payload.options},
        good_rows_only=payload.good_rows_only,
    )


@router.post("/{int:import_id}/dry-run", response={202: ImportJobOut, **WRITE_ERRORS})
def import_dry_run(request, import_id: int):
    """Queue the check: every bad row is reported, nothing is written."""
    job = services.import_job_start(
        job=_job(request, import_id), actor=request.auth, action=JobAction.DRY_RUN
    )
    return Status(202, job)


@router.post("/{int:import_id}/run", response={202: ImportJobOut, **WRITE_ERRORS})
def import_run(request, import_id: int, payload: RunIn | None = None):
    """Queue the import; follow it with GET /imports/{id}."""
    job = services.import_job_start(
        job=_job(request, import_id),
        actor=request.auth,
        action=JobAction.IMPORT,
        good_rows_only=payload.good_rows_only if payload else None,
    )
    return Status(202, job)


@router.post("/{int:import_id}/undo", response={202: ImportJobOut, **WRITE_ERRORS})
def import_undo(request, import_id: int):
    """Queue the undo of the last import: what it created is deleted, what it changed gets
    its values back. Refused (400) when a record changed since."""
    return Status(202, services.import_job_undo(job=_job(request, import_id), actor=request.auth))


class ProblemQuery(Schema):
    after_row: int = Field(0, description="Only rows after this one (to page on).")
    limit: int = Field(500, ge=1, le=5000)


@router.get("/{int:import_id}/errors", response={200: list[ProblemOut], **READ_ERRORS})
def import_errors(request, import_id: int, query: Query[ProblemQuery]):
    """The problems found, in file order: row, column, value and reason."""
    job = _job(request, import_id)
    problems = selectors.import_job_problems(job=job).filter(row__gt=query.after_row)
    return list(problems[: query.limit])


@router.get("/{int:import_id}/errors.csv", response={200: None, **READ_ERRORS})
def import_errors_file(request, import_id: int):
    """The rows with problems as CSV (UTF-8 with BOM), the reasons in a last column."""
    return problems_response(_job(request, import_id))


@mappings_router.get("", response={200: list[SavedMappingOut], **READ_ERRORS})
def mapping_list(request, kind: Kind | None = None):
    """Saved mappings (everyone's), by kind and name."""
    return list(selectors.import_mapping_list(kind=kind))


@mappings_router.post("", response={201: SavedMappingOut, 400: ValidationErrorOut, **WRITE_ERRORS})
def mapping_save(request, payload: SavedMappingIn):
    """Save a mapping under a name (one of the same name and kind is replaced)."""
    saved = services.import_mapping_save(
        actor=request.auth, kind=payload.kind, name=payload.name, mapping=payload.mapping
    )
    return Status(201, saved)


@mappings_router.delete("/{int:mapping_id}", response={204: None, **WRITE_ERRORS})
def mapping_delete(request, mapping_id: int):
    """Delete a saved mapping (its author or an administrator)."""
    services.import_mapping_delete(
        mapping=get_object_or_404(ImportMapping, pk=mapping_id), actor=request.auth
    )
    return Status(204, None)
