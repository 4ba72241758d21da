"""Running an import job in the task worker: the check (dry run), the import, the undo.

The import reads the file twice. The first pass checks every row and writes nothing, so a file
with a bad row (in the default all-or-nothing mode) is refused before anything is locked. The
second pass writes the good rows in ONE transaction with the job's summary: a worker killed
in the middle leaves nothing of the import behind, and the job, still "running" with a
heartbeat that stops, is then shown as interrupted (`jobs_mark_interrupted`).

Progress is the job row's `rows_read`, written after every chunk of rows. While the import's
transaction is open a row written there would only show after the commit (and SQLite allows
one writer at a time), so the writing pass reports to a small file beside the upload instead;
`progress_of` reads whichever is newer.
"""

import json
import logging
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shangji.audit.services import audit_record
from shangji.core import money
from shangji.core.errors import ConflictError, PermissionDeniedError, field_errors
from shangji.webhooks.services import event_record, events_record_bulk

from . import parsing
from .kinds import BY_RECORD, HANDLERS
from .kinds.base import CHUNK, Context, Problem
from .models import ImportJob, ImportRecord, ImportRowError, JobAction, JobStatus, Phase

logger = logging.getLogger(__name__)

STALE_AFTER = 120  # seconds without a heartbeat before a running job counts as interrupted
HOST = socket.gethostname()


class _Rollback(Exception):
    """Leave the import's transaction without writing anything."""


def source_of(job: ImportJob) -> parsing.Source:
    return parsing.Source(
        Path(job.file.path),
        job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter,
        sheet=job.sheet,
        sheets=job.sheets,
    )


# --- progress ------------------------------------------------------------------------------


def progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job_id}.json"


class Progress:
    """Reports how far a pass got: to the job row, or to the progress file while writing."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.to_file = False

    def report(self, phase: str, rows_read: int) -> None:
        now = timezone.now()
        if self.to_file:
            path = progress_path(self.job.pk)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(
                json.dumps({"phase": phase, "rows_read": rows_read, "at": now.isoformat()})
            )
            os.replace(temporary, path)  # readers never see half a file
        else:
            ImportJob.objects.filter(pk=self.job.pk).update(
                phase=phase, rows_read=rows_read, heartbeat_at=now
            )

    def clear(self) -> None:
        progress_path(self.job.pk).unlink(missing_ok=True)


def progress_of(job: ImportJob) -> tuple[str, int, object]:
    """(phase, rows read, last heartbeat) of a job, from its row or its progress file."""
    phase, rows_read, beat = job.phase, job.rows_read, job.heartbeat_at
    if job.status == JobStatus.RUNNING:
        try:
            data = json.loads(progress_path(job.pk).read_text())
        except (OSError, ValueError):
            data = None
        if data:
            moment = timezone.datetime.fromisoformat(data["at"])
            if beat is None or moment > beat:
                phase, rows_read, beat = data["phase"], data["rows_read"], moment
    return phase, rows_read, beat


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(job: ImportJob) -> bool:
    """A running job whose worker is gone: its process died, or its heartbeat stopped."""
    if job.status != JobStatus.RUNNING:
        return False
    if job.worker_host == HOST and job.worker_pid and not _pid_alive(job.worker_pid):
        return True
    _phase, _rows, beat = progress_of(job)
    beat = beat or job.started_at
    return beat is None or (timezone.now() - beat).total_seconds() > STALE_AFTER


def jobs_mark_interrupted() -> int:
    """Mark running jobs whose worker is gone as interrupted; returns how many."""
    count = 0
    for job in ImportJob.objects.filter(status=JobStatus.RUNNING):
        if is_stale(job):
            count += ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.INTERRUPTED,
                finished_at=timezone.now(),
                message=str(_interrupted_message(job)),
            )
            Progress(job).clear()
    return count


def _interrupted_message(job: ImportJob) -> str:
    if job.action == JobAction.UNDO:
        return _("The worker stopped during the undo; nothing was changed. Undo again.")
    return _("The worker stopped before the import finished; nothing was written. Start it again.")


# --- running a job -------------------------------------------------------------------------


def execute(job_id: int, action: str, actor_id: int | None = None) -> str:
    """Run `action` for the job if it is still queued for it (one worker claims it)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, action=action).update(
        status=JobStatus.RUNNING,
        worker_host=HOST,
        worker_pid=os.getpid(),
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        rows_read=0,
        message="",
    )
    if not claimed:
        return "not queued"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = Progress(job)
    language = job.language or settings.LANGUAGE_CODE
    try:
        with translation.override(language), timezone.override(job.time_zone or None):
            if action == JobAction.UNDO:
                _undo(job, progress, actor_id)
            else:
                _import(job, progress, dry_run=action == JobAction.DRY_RUN)
    except Exception as error:
        with translation.override(language):
            if isinstance(error, parsing.UnreadableFile):
                message = error.message
            else:
                logger.exception("Import job %s failed", job_id)
                message = _("The import stopped on an unexpected error: %(error)s") % {
                    "error": error
                }
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.DONE if action == JobAction.UNDO else JobStatus.FAILED,
            message=message,
            finished_at=timezone.now(),
        )
        if action == JobAction.IMPORT:
            _finished_event(job)
    finally:
        progress.clear()
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


@dataclass
class Tally:
    """How each row of the file ended: created, updated, unchanged, skipped or failed."""

    outcomes: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    accounts_created: int = 0

    def counts(self) -> Counter:
        return Counter(self.outcomes.values())


def _rows(job: ImportJob, source: parsing.Source, skip: set[int]):
    width = len(job.headers)
    for number, cells in parsing.data_rows(source):
        if number in skip:
            yield number, None
            continue
        cells = (list(cells) + [None] * width)[:width]
        yield number, dict(zip(job.headers, cells, strict=True))


def _run_pass(job, ctx: Context, progress: Progress, phase: str, skip: set[int], tally: Tally):
    """One pass over the file: read, check, plan and (when ctx.write) write every row."""
    with money.rates_cached():
        _run_chunks(job, ctx, progress, phase, skip, tally)


def _run_chunks(job, ctx: Context, progress: Progress, phase: str, skip: set[int], tally: Tally):
    handler = HANDLERS[job.kind]
    rows = _rows(job, source_of(job), skip)
    while chunk := list(islice(rows, CHUNK)):
        read = []
        for number, cells in chunk:
            tally.rows_read += 1
            if cells is None:
                continue
            row = ctx.read(number, cells)
            ctx.check_external_id(row)
            read.append(row)
        existing = handler.existing(ctx, read)
        plans = []
        for row in read:
            plan = None if row.skipped else handler.plan(ctx, row, existing)
            if plan is None:
                tally.problems.extend(row.problems)
                tally.outcomes[row.number] = "skipped" if row.skipped else "failed"
            else:
                plans.append(plan)
        if ctx.write:
            _write(job, ctx, handler, plans, tally)
        else:
            for plan in plans:
                outcome = "created" if plan.existing is None else "updated"
                tally.outcomes[plan.row.number] = outcome if plan.changed else "unchanged"
        progress.report(phase, tally.rows_read)
    for problem in handler.finish(ctx):
        tally.problems.append(problem)
        tally.outcomes[problem.row] = "failed"


def _write(job, ctx: Context, handler, plans, tally: Tally) -> None:
    records = []
    created_ids = []
    creates = [plan for plan in plans if plan.existing is None]
    for plan, record in zip(creates, handler.create(ctx, creates) if creates else [], strict=True):
        if record is None:
            tally.problems.extend(plan.row.problems)
            tally.outcomes[plan.row.number] = "failed"
        else:
            tally.outcomes[plan.row.number] = "created"
            created_ids.append(record.pk)
    for plan in plans:
        if plan.existing is not None:
            if record := _update(ctx, handler, plan, tally):
                records.append(
                    ImportRecord(
                        job=job,
                        model=handler.record,
                        created=False,
                        object_id=record.pk,
                        previous=plan.previous,
                        version=record.version,
                        row=plan.row.number,
                    )
                )
    if created_ids:
        records.append(
            ImportRecord(job=job, model=handler.record, created=True, object_ids=created_ids)
        )
    if ctx.accounts_created:
        ids = [pk for pk, _row in ctx.accounts_created]
        records.append(ImportRecord(job=job, model="account", created=True, object_ids=ids))
        tally.accounts_created += len(ids)
        ctx.accounts_created.clear()
    ImportRecord.objects.bulk_create(records, batch_size=500)


def _update(ctx: Context, handler, plan, tally: Tally):
    """Change one record through its service; the record when it changed, else None."""
    number = plan.row.number
    if not plan.changed:
        tally.outcomes[number] = "unchanged"
        return None
    before = plan.existing.version
    try:
        record = handler.update(ctx, plan)
    except ValidationError as error:
        for name, messages in field_errors(error).items():
            for message in messages:
                plan.row.problem(ctx, name if name in ctx.known_fields else "", message)
    except (ConflictError, PermissionDeniedError) as error:
        plan.row.problem(ctx, "", str(error.message))
    if plan.row.problems:
        tally.problems.extend(plan.row.problems)
        tally.outcomes[number] = "failed"
        return None
    tally.outcomes[number] = "updated" if record.version != before else "unchanged"
    return record if record.version != before else None


def _save_problems(job: ImportJob, problems: list[Problem]) -> None:
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job,
                row=p.row,
                column=p.column[:255],
                field=p.field,
                value=p.value,
                message=str(p.message),
                skipped=p.skipped,
            )
            for p in problems
        ],
        batch_size=1000,
    )


def _summary(counts: Counter, accounts: int = 0) -> dict:
    return {
        "created_count": counts["created"],
        "updated_count": counts["updated"],
        "unchanged_count": counts["unchanged"],
        "skipped_count": counts["skipped"],
        "failed_count": counts["failed"],
        "accounts_created_count": accounts,
    }


def _check(job: ImportJob, progress: Progress) -> tuple[Tally, int]:
    """The first pass: every row checked, nothing written; (its tally, accounts to create)."""
    progress.report(Phase.COUNTING, 0)
    total = parsing.count_rows(source_of(job))
    ImportJob.objects.filter(pk=job.pk).update(rows_total=total)
    ImportRowError.objects.filter(job=job).delete()
    tally = Tally()
    context = Context(actor=job.created_by, kind=job.kind, mapping=job.mapping, write=False)
    _run_pass(job, context, progress, Phase.CHECKING, set(), tally)
    _save_problems(job, tally.problems)
    markers = {value for value in context.new_accounts.values() if value < 0}
    return tally, 0 if job.kind == "accounts" else len(markers)


def _checked(job: ImportJob) -> Tally:
    """The outcome of the check that ran on this mapping: the rows it failed or left out."""
    tally = Tally(rows_read=job.rows_total or 0)
    for number, skipped in ImportRowError.objects.filter(job=job).values_list("row", "skipped"):
        if tally.outcomes.get(number) != "skipped":  # a rule leaves the row out, errors or not
            tally.outcomes[number] = "skipped" if skipped else "failed"
    return tally


def _import(job: ImportJob, progress: Progress, *, dry_run: bool) -> None:
    """Check the file, then (unless it is a dry run) write it in one transaction.

    An import right after a check of the same mapping reuses that check's result.
    """
    if dry_run or not job.checked:
        check, new_accounts = _check(job, progress)
    else:
        check, new_accounts = _checked(job), 0
    counts = check.counts()
    total = ImportJob.objects.values_list("rows_total", flat=True).get(pk=job.pk)
    finished = {"rows_read": check.rows_read, "rows_total": total}
    if dry_run:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.CHECKED,
            checked=True,
            finished_at=timezone.now(),
            **_summary(counts, new_accounts),
            **finished,
        )
        return
    if counts["failed"] and not job.good_rows_only:
        _fail(
            job,
            counts["failed"],
            finished,
            ngettext(
                "%(count)s row has errors: nothing was imported.",
                "%(count)s rows have errors: nothing was imported.",
                counts["failed"],
            ),
        )
        return

    left_out = {
        number for number, outcome in check.outcomes.items() if outcome in ("failed", "skipped")
    }
    write = Tally(outcomes={number: check.outcomes[number] for number in left_out})
    context = Context(actor=job.created_by, kind=job.kind, mapping=job.mapping, write=True)
    progress.to_file = True
    try:
        with transaction.atomic():
            _run_pass(job, context, progress, Phase.WRITING, left_out, write)
            if any(not problem.skipped for problem in write.problems) and not job.good_rows_only:
                raise _Rollback()
            _save_problems(job, write.problems)
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.DONE,
                imported_at=timezone.now(),
                finished_at=timezone.now(),
                checked=False,
                **_summary(write.counts(), write.accounts_created),
                **finished,
            )
            imported = ImportJob.objects.get(pk=job.pk)
            event_record(kind="import", action="finished", actor=job.created_by, record=imported)
    except _Rollback:
        _save_problems(job, write.problems)
        failed = len({problem.row for problem in write.problems if not problem.skipped})
        _fail(
            job,
            failed,
            finished,
            ngettext(
                "%(count)s row could not be written: nothing was imported.",
                "%(count)s rows could not be written: nothing was imported.",
                failed,
            ),
        )


def _fail(job: ImportJob, failed: int, finished: dict, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        checked=False,
        message=message % {"count": failed},
        finished_at=timezone.now(),
        **_summary(Counter(failed=failed)),
        **finished,
    )
    _finished_event(job)


def _finished_event(job: ImportJob) -> None:
    """The "import finished" event of a failed import (a done one writes it with its rows)."""
    failed = ImportJob.objects.get(pk=job.pk)
    event_record(kind="import", action="finished", actor=failed.created_by, record=failed)


# --- undo ----------------------------------------------------------------------------------


def undo_blockers(job: ImportJob) -> list[str]:
    """Why the job cannot be undone now (empty when it can)."""
    from shangji.activities.models import Activity

    reasons = []
    if job.status != JobStatus.DONE:
        return [_("Only a finished import can be undone.")]
    later = ImportJob.objects.filter(
        created_by=job.created_by, status=JobStatus.DONE, imported_at__gt=job.imported_at
    ).exists()
    if later:
        reasons.append(_("Only the last import can be undone: undo the later ones first."))
    changed = 0
    for model in job.records.values_list("model", flat=True).distinct():
        manager = BY_RECORD[model].model.objects
        for ids in job.records.filter(model=model, created=True).values_list(
            "object_ids", flat=True
        ):
            changed += manager.filter(pk__in=ids).exclude(version=1).count()
        versions = dict(
            job.records.filter(model=model, created=False).values_list("object_id", "version")
        )
        ids = list(versions)
        for start in range(0, len(ids), 1000):
            current = manager.filter(pk__in=ids[start : start + 1000]).values_list("pk", "version")
            changed += sum(1 for pk, version in current if version != versions[pk])
    if changed:
        reasons.append(
            ngettext(
                "%(count)s record was changed after the import.",
                "%(count)s records were changed after the import.",
                changed,
            )
            % {"count": changed}
        )
    own = [pk for ids in _created_ids(job, "activity") for pk in ids]
    logged = any(
        Activity.objects.filter(**{f"{model}__in": ids}).exclude(pk__in=own).exists()
        for model in ("opportunity", "contact", "account", "lead")
        for ids in _created_ids(job, model)
    )
    if logged:
        reasons.append(_("Activities were logged on records the import created."))
    return reasons


def _created_ids(job: ImportJob, model: str):
    return job.records.filter(model=model, created=True).values_list("object_ids", flat=True)


def _undo(job: ImportJob, progress: Progress, actor_id: int | None) -> None:
    from shangji.users.models import User

    actor = User.objects.get(pk=actor_id) if actor_id else job.created_by
    reasons = undo_blockers(_done(job))
    if reasons:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            message=" ".join(str(r) for r in reasons),
            finished_at=timezone.now(),
        )
        return
    total = job.records.filter(created=False).count() + sum(
        len(ids) for ids in job.records.filter(created=True).values_list("object_ids", flat=True)
    )
    ImportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_read=0)
    progress.to_file = True
    done = 0
    with transaction.atomic():
        updated = job.records.filter(created=False).order_by("-id")
        for record in updated.iterator(chunk_size=500):
            handler = BY_RECORD[record.model]
            current = handler.model.objects.filter(pk=record.object_id).first()
            if current is not None:
                handler.restore(actor, current, record.previous or {})
            done += 1
            if done % CHUNK == 0:
                progress.report(Phase.UNDOING, done)
        for model in ("activity", "opportunity", "contact", "lead", "account"):
            manager = BY_RECORD[model].model.objects
            created = job.records.filter(model=model, created=True)
            for ids in created.values_list("object_ids", flat=True):
                for start in range(0, len(ids), 500):
                    chunk = manager.filter(pk__in=ids[start : start + 500])
                    events_record_bulk(kind=model, action="deleted", actor=actor, records=chunk)
                    chunk.delete()
                done += len(ids)
                progress.report(Phase.UNDOING, done)
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.UNDONE,
            undone_at=timezone.now(),
            finished_at=timezone.now(),
            rows_read=done,
            message="",
        )
        audit_record(action="import_undone", actor=actor, target=job, details={"records": done})


def _done(job: ImportJob) -> ImportJob:
    """The job as undo_blockers sees it: a finished import (it is running the undo now)."""
    job.status = JobStatus.DONE
    return job
