"""Bulk updates from the list: the same per-record service, one record and savepoint at a time.

`opportunity_bulk_update` is the rule: every record goes through `opportunity_update` (history
rows, permission check, version bump, probability rule, lost reason, notification on assign),
each in its own savepoint, so one record's failure leaves the others done. A record the actor
may not see or change is reported as failed with the reason, never skipped silently.

`bulk_update_start` records a BulkUpdateJob and runs it at once when it is small
(INLINE_LIMIT records or fewer), or queues it for the task worker, which saves the progress
after every chunk so the result page can show it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shangji.core.errors import ConflictError, PermissionDeniedError, field_errors
from shangji.users.models import User

from .models import BulkUpdateJob, BulkUpdateStatus, Opportunity, Stage
from .services import opportunity_update

BULK_FIELDS = ("owner", "stage", "close_date", "type", "lead_source", "forecast_category")
INLINE_LIMIT = 500
CHUNK_SIZE = 200


@dataclass
class BulkResult:
    """What a bulk update did: counts, and each failed record with the reason."""

    total: int
    updated: int = 0
    unchanged: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def processed(self) -> int:
        return self.updated + self.unchanged + self.failed


def bulk_changes_clean(changes: dict) -> dict:
    """The changes a bulk update may make, without the empty ones; at least one is needed.

    A lost reason goes with a move to a lost stage and is dropped otherwise.
    """
    unknown = set(changes) - {*BULK_FIELDS, "lost_reason"}
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    clean = {name: value for name, value in changes.items() if value not in (None, "")}
    stage = clean.get("stage")
    if stage is None or not stage.is_lost:
        clean.pop("lost_reason", None)
    if not set(clean) & set(BULK_FIELDS):
        raise ValidationError({"__all__": [_("Choose at least one change.")]})
    return clean


def _reason(error: Exception) -> str:
    if isinstance(error, ConflictError | PermissionDeniedError):
        return str(error.message)
    messages = [message for found in field_errors(error).values() for message in found]
    return " ".join(messages)


def _update_one(actor, opportunity: Opportunity, changes: dict, result: BulkResult) -> None:
    try:
        with transaction.atomic():
            updated = opportunity_update(
                opportunity=opportunity, actor=actor, version=opportunity.version, **changes
            )
    except (ConflictError, PermissionDeniedError, ValidationError) as error:
        result.failures.append(
            {"id": opportunity.pk, "name": opportunity.name, "reason": _reason(error)}
        )
        return
    if updated.version != opportunity.version:
        result.updated += 1
    else:
        result.unchanged += 1


def opportunity_bulk_update(
    *,
    actor,
    changes: dict,
    ids: list[int] | None = None,
    queryset=None,
    progress: Callable[[BulkResult], None] | None = None,
    chunk_size: int | None = None,
) -> BulkResult:
    """Apply `changes` to the opportunities `ids` (or of `queryset`), record by record."""
    changes = bulk_changes_clean(changes)
    if ids is None:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    chunk_size = chunk_size or CHUNK_SIZE
    result = BulkResult(total=len(ids))
    visible = Opportunity.objects.visible_to(actor).select_related("owner__team")
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        found = visible.in_bulk(chunk)
        for pk in chunk:
            if pk in found:
                _update_one(actor, found[pk], changes, result)
            else:
                # Not there or not visible: the same answer, so nothing leaks.
                reason = _("Not found, or you may not see it.")
                result.failures.append({"id": pk, "name": "", "reason": reason})
        if progress is not None:
            progress(result)
    return result


def changes_to_json(changes: dict) -> dict:
    """The changes as JSON for a job row (records by id, dates as ISO text)."""
    data = {}
    for name, value in changes.items():
        if name in ("owner", "stage"):
            data[name] = value.pk
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def changes_from_json(data: dict) -> dict:
    """The changes of a job row with the records they name (missing ones are an error)."""
    changes = dict(data)
    try:
        if "owner" in changes:
            changes["owner"] = User.objects.select_related("team").get(pk=changes["owner"])
        if "stage" in changes:
            changes["stage"] = Stage.objects.get(pk=changes["stage"])
    except (User.DoesNotExist, Stage.DoesNotExist):
        raise ValidationError(_("The chosen owner or stage no longer exists.")) from None
    if "close_date" in changes:
        changes["close_date"] = datetime.date.fromisoformat(changes["close_date"])
    return changes


def bulk_update_start(
    *, actor, changes: dict, ids: list[int] | None = None, queryset=None, language: str = ""
) -> BulkUpdateJob:
    """Record a bulk update; run it now if small, else queue it for the task worker.

    `queryset` ("all matching the filter") is read once, here: the job keeps those ids.
    """
    changes = bulk_changes_clean(changes)
    if ids is None:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not ids:
        raise ValidationError({"ids": [_("Select at least one opportunity.")]})
    with transaction.atomic():
        job = BulkUpdateJob.objects.create(
            created_by=actor,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            changes=changes_to_json(changes),
            opportunity_ids=ids,
            total=len(ids),
        )
        if len(ids) > INLINE_LIMIT:
            from .tasks import bulk_update_execute

            transaction.on_commit(lambda: bulk_update_execute.enqueue(job.pk))
    if len(ids) <= INLINE_LIMIT:
        bulk_update_job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def bulk_update_job_run(*, job_id: int) -> str:
    """Run a queued bulk update (the worker's entry point); returns its status afterwards.

    The job is claimed by one conditional update, so a task delivered twice runs once.
    """
    claimed = BulkUpdateJob.objects.filter(pk=job_id, status=BulkUpdateStatus.QUEUED).update(
        status=BulkUpdateStatus.RUNNING, started_at=timezone.now()
    )
    job = BulkUpdateJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job.status

    def save_progress(result: BulkResult) -> None:
        BulkUpdateJob.objects.filter(pk=job_id).update(
            processed=result.processed,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            failed_count=result.failed,
        )

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            result = opportunity_bulk_update(
                actor=job.created_by,
                changes=changes_from_json(job.changes),
                ids=job.opportunity_ids,
                progress=save_progress,
            )
        except ValidationError as error:
            BulkUpdateJob.objects.filter(pk=job_id).update(
                status=BulkUpdateStatus.FAILED, message=_reason(error), finished_at=timezone.now()
            )
            return BulkUpdateStatus.FAILED
    BulkUpdateJob.objects.filter(pk=job_id).update(
        status=BulkUpdateStatus.DONE,
        processed=result.processed,
        updated_count=result.updated,
        unchanged_count=result.unchanged,
        failed_count=result.failed,
        failures=result.failures,
        finished_at=timezone.now(),
    )
    return BulkUpdateStatus.DONE
