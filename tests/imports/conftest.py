"""Imports from files made in the test: a job is created, then checked or imported by the
worker's own function (engine.execute) in this process."""

import pytest
from django.core.files.base import ContentFile

from shangji.imports import engine
from shangji.imports.services import import_job_create, import_job_start, import_job_undo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(rows, *, encoding="utf-8", delimiter=",") -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(actor, kind, content, name="data.csv", **options):
    if isinstance(content, list):
        content = csv_bytes(content)
    return import_job_create(
        actor=actor, kind=kind, file=ContentFile(content, name=name), **options
    )


def run(job, action="import", actor=None, **options):
    """Queue `action` as the pages do, then run it the way the worker does; the fresh job."""
    actor = actor or job.created_by
    if action == "undo":
        import_job_undo(job=job, actor=actor)
    else:
        import_job_start(job=job, actor=actor, action=action, **options)
    engine.execute(job.pk, action, actor.pk)
    job.refresh_from_db()
    return job


def problems(job):
    return [(p.row, p.field, p.value, p.message) for p in job.row_errors.order_by("row", "id")]
