"""Background work of opportunities: big bulk updates, run by the task worker."""

from django.tasks import task

from . import bulk


@task()
def bulk_update_execute(job_id: int) -> str:
    """Run one queued bulk update; returns its status afterwards."""
    return bulk.bulk_update_job_run(job_id=job_id)
