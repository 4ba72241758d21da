"""Undo of the last import, and jobs whose worker died: nothing half-written either way."""

import datetime
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.activities.services import activity_create
from shangji.imports import engine
from shangji.imports.models import ImportJob
from shangji.imports.services import (
    import_job_set_mapping,
    import_job_start,
    import_jobs_mark_interrupted,
)
from shangji.opportunities.models import Opportunity, OpportunityChange
from shangji.opportunities.services import opportunity_update

from .conftest import run, upload

pytestmark = pytest.mark.django_db

HEADER = ["External ID", "Name", "Account", "Amount", "Expected close date", "Stage", "Owner"]


@pytest.fixture
def before(team_users, stages, rates):
    """An earlier import: E1 and E2 at 新城百货, as they were before the one to undo."""
    account_create(actor=team_users["liming"], name="新城百货")
    rows = [
        HEADER,
        ["E1", "One", "新城百货", "1000", "2025-06-30", "Prospecting", "wangqiang"],
        ["E2", "Two", "新城百货", "2000", "2025-06-30", "Qualification", "wangqiang"],
    ]
    return run(upload(team_users["liming"], "opportunities", rows))


def snapshot():
    return sorted(
        Opportunity.objects.values_list(
            "external_id", "name", "account__name", "amount", "amount_base", "close_date",
            "stage__name", "probability", "forecast_category", "owner__username", "closed_at",
        )
    )  # fmt: skip


def second_import(team_users):
    rows = [
        HEADER,
        ["E1", "One (renamed)", "Acme", "1500", "2025-07-31", "Closed Won", "chenjing"],
        ["E3", "Three", "Beta", "3000", "2025-06-30", "Prospecting", "wangqiang"],
    ]
    job = upload(team_users["liming"], "opportunities", rows)
    job.mapping["options"]["create_accounts"] = True
    job = import_job_set_mapping(job=job, actor=team_users["liming"], mapping=job.mapping)
    return run(job)


def test_undo_deletes_what_was_created_and_restores_what_was_changed(before, team_users):
    earlier = snapshot()
    job = second_import(team_users)
    assert (job.status, job.created_count, job.updated_count, job.accounts_created_count) == (
        "done", 1, 1, 2
    )  # fmt: skip
    assert snapshot() != earlier
    job = run(job, "undo")
    assert (job.status, job.message) == ("undone", "")
    assert job.undone_at is not None
    assert snapshot() == earlier
    assert sorted(Account.objects.values_list("name", flat=True)) == ["新城百货"]
    one = Opportunity.objects.get(external_id="E1")
    # The history keeps the import and its undo: creation, the import's change, the undo's.
    history = list(one.changes.order_by("id").values_list("stage__name", "amount"))
    assert history == [
        ("Prospecting", Decimal("1000.00")),
        ("Closed Won", Decimal("1500.00")),
        ("Prospecting", Decimal("1000.00")),
    ]
    assert not OpportunityChange.objects.filter(opportunity__external_id="E3").exists()


def test_undo_is_refused_when_records_changed_since(before, team_users):
    job = second_import(team_users)
    one = Opportunity.objects.get(external_id="E1")
    opportunity_update(opportunity=one, actor=team_users["liming"], version=one.version,
                       next_step="Call")  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        run(job, "undo")
    assert caught.value.message_dict["undo"] == ["1 record was changed after the import."]
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_undo_is_refused_when_activities_were_logged_on_new_records(before, team_users):
    job = second_import(team_users)
    three = Opportunity.objects.get(external_id="E3")
    activity_create(actor=team_users["wangqiang"], kind="note", opportunity=three, body="Hi")
    with pytest.raises(ValidationError) as caught:
        run(job, "undo")
    assert caught.value.message_dict["undo"] == [
        "Activities were logged on records the import created."
    ]


def test_only_the_last_import_can_be_undone(before, team_users):
    second_import(team_users)
    with pytest.raises(ValidationError) as caught:
        run(before, "undo")
    assert caught.value.message_dict["undo"] == [
        "Only the last import can be undone: undo the later ones first.",
        "1 record was changed after the import.",
    ]


def test_an_undo_that_fails_midway_changes_nothing(before, team_users, monkeypatch):
    job = second_import(team_users)
    after = snapshot()
    original = engine.Progress.report

    def lost_connection(self, phase, rows_read):
        if phase == "undoing":  # after the first deletions
            raise RuntimeError("connection lost")
        return original(self, phase, rows_read)

    monkeypatch.setattr(engine.Progress, "report", lost_connection)
    job = run(job, "undo")
    monkeypatch.undo()
    assert job.status == "done"
    assert "connection lost" in job.message
    assert snapshot() == after


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_died_shows_as_interrupted(before, team_users, client):
    rows = [HEADER, ["E9", "Nine", "新城百货", "9", "2025-06-30", "Prospecting", "wangqiang"]]
    job = upload(team_users["liming"], "opportunities", rows)
    import_job_start(job=job, actor=team_users["liming"], action="import")
    # What a worker killed in the middle leaves: the job running, its process gone, and (its
    # transaction never committed) not one row of the file.
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", worker_host=engine.HOST, worker_pid=dead_pid(),
        started_at=timezone.now(), heartbeat_at=timezone.now(),
    )  # fmt: skip
    client.force_login(team_users["liming"])
    page = client.get(f"/imports/{job.pk}/")
    assert b"Interrupted" in page.content
    job.refresh_from_db()
    assert job.status == "interrupted"
    assert job.message == (
        "The worker stopped before the import finished; nothing was written. Start it again."
    )
    assert not Opportunity.objects.filter(external_id="E9").exists()
    job = run(job)  # started again, it goes through
    assert (job.status, job.created_count) == ("done", 1)


def test_a_job_on_another_machine_is_interrupted_when_its_heartbeat_stops(before, team_users):
    job = upload(team_users["liming"], "opportunities", [HEADER])
    long_ago = timezone.now() - datetime.timedelta(seconds=engine.STALE_AFTER + 5)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", worker_host="elsewhere", worker_pid=os.getpid(),
        started_at=long_ago, heartbeat_at=long_ago,
    )  # fmt: skip
    fresh = upload(team_users["liming"], "opportunities", [HEADER])
    ImportJob.objects.filter(pk=fresh.pk).update(
        status="running", worker_host="elsewhere", worker_pid=1, heartbeat_at=timezone.now()
    )
    assert import_jobs_mark_interrupted() == 1
    assert ImportJob.objects.get(pk=job.pk).status == "interrupted"
    assert ImportJob.objects.get(pk=fresh.pk).status == "running"
