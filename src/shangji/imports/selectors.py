"""Reads of import jobs, their problems and saved mappings."""

from django.http import Http404

from . import engine
from .models import ImportJob, ImportMapping, ImportRowError, JobStatus


def import_job_list(*, user):
    """The user's imports, newest first (administrators see everyone's)."""
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if user.is_admin else jobs.filter(created_by=user)


def import_job_get(*, user, pk: int) -> ImportJob:
    """One import the user may see, or 404; a job whose worker died shows as interrupted."""
    job = import_job_list(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    if job.status == JobStatus.RUNNING and engine.is_stale(job):
        engine.jobs_mark_interrupted()
        job.refresh_from_db()
    job.phase, job.rows_read, _beat = engine.progress_of(job)
    return job


def import_job_problems(*, job: ImportJob, limit: int | None = None):
    """The rows that cannot be imported (or were left out), in file order."""
    problems = ImportRowError.objects.filter(job=job).order_by("row", "id")
    return problems[:limit] if limit else problems


def import_mapping_list(*, kind: str | None = None):
    mappings = ImportMapping.objects.select_related("created_by")
    return mappings.filter(kind=kind) if kind else mappings
