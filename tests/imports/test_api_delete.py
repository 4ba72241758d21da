"""DELETE /api/v1/imports/{id}: the page's delete button through the API."""

import pytest

from shangji.imports.models import ImportJob
from tests.api.conftest import ApiClient

from .conftest import run, upload

pytestmark = pytest.mark.django_db

ROWS = [["Name", "Industry"], ["新城百货", "Retail"]]


def test_an_import_that_wrote_nothing_is_deleted_with_its_file(team_users, media):
    job = upload(team_users["liming"], "accounts", ROWS)
    stored = media / job.file.name
    assert stored.exists()
    answer = ApiClient(team_users["liming"]).delete(f"/imports/{job.pk}")
    assert answer.status_code == 204, answer.content
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not stored.exists()


def test_a_finished_import_or_someone_elses_is_not_deleted(team_users):
    done = run(upload(team_users["liming"], "accounts", ROWS))
    assert done.status == "done"
    refused = ApiClient(team_users["liming"]).delete(f"/imports/{done.pk}")
    assert refused.status_code == 400
    assert "status" in refused.json()["errors"]
    other = upload(team_users["liming"], "accounts", ROWS)
    hidden = ApiClient(team_users["wangqiang"]).delete(f"/imports/{other.pk}")
    assert hidden.status_code in (403, 404)
    assert ImportJob.objects.filter(pk__in=[done.pk, other.pk]).count() == 2
