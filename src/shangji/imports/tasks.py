"""Imports run in the task worker (`shangji worker`): checks, imports and undos of big files
take longer than a web request may. engine.py explains what survives a killed worker."""

from django.tasks import task

from . import engine


@task()
def import_job_execute(job_id: int, action: str, actor_id: int | None = None) -> str:
    """Check, import or undo one import job; returns the job's status afterwards."""
    return engine.execute(job_id, action, actor_id)
