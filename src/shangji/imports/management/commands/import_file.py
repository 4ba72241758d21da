import json
import sys
import threading
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from shangji.core.errors import field_errors
from shangji.core.exports import safe_cell
from shangji.imports import engine, services
from shangji.imports.models import ImportJob, JobAction, JobStatus, Kind, Phase
from shangji.imports.views import problem_rows
from shangji.users.models import User


def _user(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user “%(name)s”.") % {"name": username})
        return user
    user = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(_("Name the user to import as with --as USER."))
    return user


def _errors(error: ValidationError) -> str:
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in field_errors(error).items()
    )


class Command(BaseCommand):
    help = "Import opportunities, accounts, contacts, leads or activities from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=Kind.values)
        parser.add_argument("file")
        parser.add_argument("--mapping", help="a mapping as JSON (see GET /api/v1/imports/fields)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--as", dest="username", help="the user the import acts as")
        parser.add_argument(
            "--good-rows-only", action="store_true", help="import the good rows, leave out the bad"
        )
        parser.add_argument("--encoding", default="")
        parser.add_argument("--delimiter", default="")
        parser.add_argument("--sheet", default="")
        parser.add_argument("--date-order", choices=["mdy", "dmy"])
        parser.add_argument("--decimal-mark", choices=[".", ","])
        parser.add_argument("--create-accounts", action="store_true")
        parser.add_argument("--pipeline")
        parser.add_argument("--errors", help="write the rows with problems to this CSV file")

    def handle(self, *args, **options):
        actor = _user(options["username"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(
                    _("Cannot read the mapping: %(error)s") % {"error": error}
                ) from None
        try:
            with open(path, "rb") as handle:
                job = services.import_job_create(
                    actor=actor,
                    kind=options["kind"],
                    file=File(handle, name=path.name),
                    name=path.name,
                    encoding=options["encoding"],
                    delimiter=options["delimiter"].replace("\\t", "\t"),
                    sheet=options["sheet"],
                    mapping=mapping,
                )
            job = self._options(job, actor, options)
            action = JobAction.DRY_RUN if options["dry_run"] else JobAction.IMPORT
            job = services.import_job_start(
                job=job, actor=actor, action=action, good_rows_only=options["good_rows_only"]
            )
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        self._describe(job)
        job = self._run(job, action, actor)
        return self._report(job, options["errors"])

    def _options(self, job: ImportJob, actor, options) -> ImportJob:
        chosen = {
            "date_order": options["date_order"],
            "decimal_mark": options["decimal_mark"],
            "create_accounts": options["create_accounts"] or None,
            "pipeline": options["pipeline"],
        }
        chosen = {name: value for name, value in chosen.items() if value is not None}
        if not chosen:
            return job
        mapping = {**job.mapping, "options": {**job.mapping["options"], **chosen}}
        return services.import_job_set_mapping(job=job, actor=actor, mapping=mapping)

    def _describe(self, job: ImportJob) -> None:
        self.stderr.write(_("Columns:"))
        for name, spec in job.mapping["fields"].items():
            self.stderr.write(f"  {spec.get('column') or spec.get('template') or '—'} → {name}")

    def _run(self, job: ImportJob, action: str, actor) -> ImportJob:
        """Run the job here (no worker needed), printing its progress every second."""

        def work():
            try:
                engine.execute(job.pk, action, actor.pk)
            finally:
                connections.close_all()  # this thread's connection

        worker = threading.Thread(target=work)
        worker.start()
        shown = None
        while worker.is_alive():
            worker.join(1)
            job.refresh_from_db()
            phase, rows_read, _beat = engine.progress_of(job)
            label = Phase(phase).label if phase in Phase.values else ""
            line = f"{label} {rows_read:,}/{job.rows_total or 0:,}"
            if line != shown and sys.stderr.isatty():
                self.stderr.write(line)
                shown = line
        job.refresh_from_db()
        return job

    def _report(self, job: ImportJob, errors_path: str | None) -> None:
        counts = {
            "status": job.get_status_display(),
            "rows": job.rows_total,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "skipped": job.skipped_count,
            "failed": job.failed_count,
            "accounts": job.accounts_created_count,
        }
        if job.status == JobStatus.CHECKED:
            summary = _(
                "%(status)s: %(rows)s rows; would create %(created)s, update %(updated)s, "
                "leave unchanged %(unchanged)s, leave out %(skipped)s; with errors %(failed)s; "
                "accounts to create %(accounts)s."
            )
        else:
            summary = _(
                "%(status)s: %(rows)s rows; created %(created)s, updated %(updated)s, "
                "unchanged %(unchanged)s, left out %(skipped)s, with errors %(failed)s, "
                "accounts created %(accounts)s."
            )
        self.stdout.write(summary % counts)
        if job.message:
            self.stdout.write(job.message)
        for problem in job.row_errors.order_by("row", "id")[:20]:
            where = f" {problem.column}" if problem.column else ""
            value = f" “{problem.value}”" if problem.value else ""
            self.stdout.write(
                _("row %(row)s%(where)s%(value)s: %(message)s")
                % {"row": problem.row, "where": where, "value": value, "message": problem.message}
            )
        count = job.row_errors.count()
        if count > 20:
            self.stdout.write(_("… and %(count)s more.") % {"count": count - 20})
        if errors_path and count:
            import csv

            with open(errors_path, "w", newline="", encoding="utf-8-sig") as handle:
                rows = problem_rows(job)
                csv.writer(handle).writerows([safe_cell(c) for c in row] for row in rows)
        if job.status not in (JobStatus.DONE, JobStatus.CHECKED) or job.failed_count:
            raise CommandError(_("Import %(id)s: see the problems above.") % {"id": job.pk})
