"""Every write to import jobs and saved mappings. The rows themselves are written by the task
worker (engine.py), through the services of the apps they belong to."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError
from shangji.core.uploads import check_import_file

from . import engine, parsing
from .mapping import clean_mapping, propose
from .models import ImportJob, ImportMapping, JobAction, JobStatus, Kind

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
STARTABLE = (JobStatus.NEW, JobStatus.CHECKED, JobStatus.FAILED, JobStatus.INTERRUPTED)


def _require_owner(job: ImportJob, actor) -> None:
    if job.created_by_id != actor.pk and not actor.is_admin:
        raise PermissionDeniedError(
            _("Only the person who uploaded the file can change this import.")
        )


def _read_file(job: ImportJob, *, encoding: str = "", delimiter: str = "", sheet: str = "") -> None:
    try:
        source = parsing.inspect(
            Path(job.file.path),
            job.original_name,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
        )
        headers = parsing.read_headers(source)
    except parsing.UnreadableFile as error:
        raise ValidationError({"file": [error.message]}) from None
    except UnicodeDecodeError:
        raise ValidationError(
            {"encoding": [_("The file is not in this encoding; choose another.")]}
        ) from None
    job.file_format = source.file_format
    job.encoding, job.delimiter, job.sheet, job.sheets = (
        source.encoding,
        source.delimiter,
        source.sheet,
        source.sheets,
    )
    job.headers = headers


def import_job_create(
    *,
    actor,
    kind: str,
    file,
    name: str = "",
    encoding: str = "",
    delimiter: str = "",
    sheet: str = "",
    mapping: dict | None = None,
    good_rows_only: bool = False,
) -> ImportJob:
    """Store an uploaded file, read its header row and propose (or apply) a mapping."""
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Choose what the file holds.")]})
    name = Path(name or getattr(file, "name", "") or "import.csv").name
    check_import_file(file, name)
    job = ImportJob(
        kind=kind,
        original_name=name[:255],
        created_by=actor,
        good_rows_only=good_rows_only,
        language=translation.get_language() or "",
        time_zone=timezone.get_current_timezone_name(),
    )
    job.file.save(name, file if hasattr(file, "chunks") else File(file, name=name), save=False)
    try:
        _read_file(job, encoding=encoding, delimiter=delimiter, sheet=sheet)
        job.mapping = (
            clean_mapping(kind, mapping, job.headers) if mapping else propose(kind, job.headers)
        )
    except ValidationError:
        job.file.delete(save=False)
        raise
    with transaction.atomic():
        job.save()
    return job


def import_job_set_reading(
    *, job: ImportJob, actor, encoding="", delimiter="", sheet=""
) -> ImportJob:
    """Read the file again with another encoding, delimiter or sheet; keep what still fits."""
    with transaction.atomic():
        job = _lock_editable(job, actor)
        _read_file(job, encoding=encoding, delimiter=delimiter, sheet=sheet)
        proposed = propose(job.kind, job.headers)
        kept = {
            name: spec
            for name, spec in (job.mapping.get("fields") or {}).items()
            if spec.get("column") is None or spec["column"] in job.headers
        }
        job.mapping = {
            "fields": {**proposed["fields"], **kept},
            "options": job.mapping.get("options") or proposed["options"],
        }
        job.status, job.checked = JobStatus.NEW, False
        job.save()
        return job


def _lock_editable(job: ImportJob, actor) -> ImportJob:
    current = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_owner(current, actor)
    if current.status not in STARTABLE:
        raise ValidationError(
            {
                "status": [
                    _("This import is %(status)s; it cannot be changed now.")
                    % {"status": current.get_status_display().lower()}
                ]
            }
        )
    return current


def import_job_set_mapping(
    *, job: ImportJob, actor, mapping: dict, good_rows_only: bool | None = None
) -> ImportJob:
    """Set the column mapping (and the mode); the file has to be checked again."""
    with transaction.atomic():
        job = _lock_editable(job, actor)
        job.mapping = clean_mapping(job.kind, mapping, job.headers)
        if good_rows_only is not None:
            job.good_rows_only = good_rows_only
        job.status, job.checked = JobStatus.NEW, False
        job.save()
        return job


def _enqueue(job: ImportJob, action: str, actor) -> None:
    from .tasks import import_job_execute

    transaction.on_commit(lambda: import_job_execute.enqueue(job.pk, action, actor.pk))


def import_job_start(
    *, job: ImportJob, actor, action: str, good_rows_only: bool | None = None
) -> ImportJob:
    """Queue the check (dry run) or the import of the file for the task worker."""
    if action not in (JobAction.DRY_RUN, JobAction.IMPORT):
        raise ValidationError({"action": [_("Choose to check or to import.")]})
    with transaction.atomic():
        job = _lock_editable(job, actor)
        if not job.mapping.get("fields"):
            raise ValidationError({"mapping": [_("Map at least one column first.")]})
        if good_rows_only is not None:
            job.good_rows_only = good_rows_only
        job.status, job.action, job.phase = JobStatus.QUEUED, action, ""
        job.rows_read, job.message = 0, ""
        job.save()
        _enqueue(job, action, actor)
        return job


def import_job_undo(*, job: ImportJob, actor) -> ImportJob:
    """Queue the undo of a finished import: created records go, changed ones get their values
    back. Refused when it is not the last import or its records changed since."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        _require_owner(current, actor)
        reasons = engine.undo_blockers(current)
        if reasons:
            raise ValidationError({"undo": [str(reason) for reason in reasons]})
        current.status, current.action, current.phase = JobStatus.QUEUED, JobAction.UNDO, ""
        current.rows_read, current.message = 0, ""
        current.save()
        _enqueue(current, JobAction.UNDO, actor)
        return current


def import_job_delete(*, job: ImportJob, actor) -> None:
    """Forget an import that wrote nothing (or was undone), with its file."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        _require_owner(current, actor)
        if current.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE):
            raise ValidationError(
                {"status": [_("A running or finished import cannot be deleted.")]}
            )
        current.file.delete(save=False)
        current.delete()


def import_jobs_mark_interrupted() -> int:
    """Running jobs whose worker died become "interrupted" (nothing of them was written)."""
    return engine.jobs_mark_interrupted()


def import_mapping_save(*, actor, kind: str, name: str, mapping: dict) -> ImportMapping:
    """Save a mapping under a name for this kind of import (replacing one of the same name)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the mapping a name.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("Use at most 100 characters.")]})
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Choose what the file holds.")]})
    clean = clean_mapping(kind, mapping)
    with transaction.atomic():
        saved, _created = ImportMapping.objects.update_or_create(
            kind=kind, name=name, defaults={"mapping": clean, "created_by": actor}
        )
        return saved


def import_mapping_delete(*, mapping: ImportMapping, actor) -> None:
    """Delete a saved mapping (its author or an administrator)."""
    with transaction.atomic():
        if mapping.created_by_id not in (None, actor.pk) and not actor.is_admin:
            raise PermissionDeniedError()
        mapping.delete()
