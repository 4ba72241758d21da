"""Bulk updates from the list: the per-record services, failures with reasons, the worker."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shangji.opportunities import bulk
from shangji.opportunities.models import BulkUpdateJob, Opportunity, OpportunityChange
from shangji.users.models import Notification, Organization

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:opportunity_list")
BULK = reverse("opportunities:bulk_update")
LOST_MESSAGE = "Say why the opportunity was lost before moving it to a lost stage."
NOT_VISIBLE = "Not found, or you may not see it."


def _history(opportunity):
    return list(OpportunityChange.objects.filter(opportunity=opportunity).order_by("id"))


def test_owner_change_goes_through_the_assign_service(make_opportunity, team_users):
    wangqiang, chenjing, liming = (team_users[name] for name in ["wangqiang", "chenjing", "liming"])
    deals = [make_opportunity(owner=wangqiang) for _ in range(2)]
    result = bulk.opportunity_bulk_update(
        actor=liming, ids=[deal.pk for deal in deals], changes={"owner": chenjing}
    )
    assert (result.updated, result.unchanged, result.failures) == (2, 0, [])
    for deal in deals:
        deal.refresh_from_db()
        assert deal.owner == chenjing and deal.version == 2
        change = _history(deal)[-1]
        assert change.changed_fields == ["owner"]
        assert (change.previous_owner, change.owner, change.actor) == (wangqiang, chenjing, liming)
    assert Notification.objects.filter(recipient=chenjing, verb="assigned").count() == 2


def test_a_rep_cannot_bulk_update_others_deals_and_is_told(make_opportunity, team_users):
    wangqiang, zhaolei = team_users["wangqiang"], team_users["zhaolei"]
    own = make_opportunity(owner=wangqiang, name="Mine")
    theirs = make_opportunity(owner=zhaolei, name="Theirs")
    day = datetime.date(2031, 6, 30)
    result = bulk.opportunity_bulk_update(
        actor=wangqiang, ids=[own.pk, theirs.pk], changes={"close_date": day}
    )
    assert (result.updated, result.unchanged) == (1, 0)
    # Not visible to a rep: reported, with nothing about the record given away.
    assert result.failures == [{"id": theirs.pk, "name": "", "reason": NOT_VISIBLE}]

    # Readable by everyone, still not theirs to change: reported with the service's reason.
    Organization.objects.filter(pk=1).update(everyone_reads_all=True)
    wangqiang = type(wangqiang).objects.get(pk=wangqiang.pk)  # forget the cached setting
    result = bulk.opportunity_bulk_update(
        actor=wangqiang, ids=[theirs.pk], changes={"close_date": day}
    )
    assert result.failures == [
        {"id": theirs.pk, "name": "Theirs", "reason": "You are not allowed to make this change."}
    ]
    theirs.refresh_from_db()
    assert theirs.close_date != day and theirs.version == 1 and len(_history(theirs)) == 1


def test_lost_needs_the_reason_and_the_stage_sets_probability(make_opportunity, team_users, stages):
    liming = team_users["liming"]
    deals = [make_opportunity(stage="Prospecting") for _ in range(2)]
    ids = [deal.pk for deal in deals]
    result = bulk.opportunity_bulk_update(
        actor=liming, ids=ids, changes={"stage": stages["Closed Lost"]}
    )
    assert result.updated == 0
    assert [failure["reason"] for failure in result.failures] == [LOST_MESSAGE, LOST_MESSAGE]
    assert {deal.stage_id for deal in Opportunity.objects.filter(pk__in=ids)} == {
        stages["Prospecting"].pk
    }

    result = bulk.opportunity_bulk_update(
        actor=liming,
        ids=ids,
        changes={"stage": stages["Closed Lost"], "lost_reason": "预算取消"},
    )
    assert (result.updated, result.failed) == (2, 0)
    for deal in Opportunity.objects.filter(pk__in=ids):
        assert (deal.probability, deal.lost_reason, deal.forecast_category) == (
            0,
            "预算取消",
            "omitted",
        )
        assert deal.closed_at is not None
        assert _history(deal)[-1].previous_stage == stages["Prospecting"]


def test_a_lost_reason_without_a_lost_stage_is_dropped(make_opportunity, team_users, stages):
    deal = make_opportunity(stage="Prospecting")
    result = bulk.opportunity_bulk_update(
        actor=team_users["wangqiang"],
        ids=[deal.pk],
        changes={"stage": stages["Needs Analysis"], "lost_reason": "no"},
    )
    assert result.updated == 1
    deal.refresh_from_db()
    # Needs Analysis' probability is 25 (the default pipeline).
    assert (deal.stage, deal.probability, deal.lost_reason) == (stages["Needs Analysis"], 25, "")


def test_unchanged_records_are_counted_and_keep_their_version(make_opportunity, team_users):
    same, other = make_opportunity(type="New Business"), make_opportunity()
    result = bulk.opportunity_bulk_update(
        actor=team_users["wangqiang"],
        ids=[same.pk, other.pk],
        changes={"type": "New Business", "lead_source": "", "forecast_category": None},
    )
    assert (result.updated, result.unchanged, result.failed) == (1, 1, 0)
    same.refresh_from_db()
    assert same.version == 1


def test_type_lead_source_and_forecast_category(make_opportunity, team_users):
    deal = make_opportunity()
    bulk.opportunity_bulk_update(
        actor=team_users["wangqiang"],
        ids=[deal.pk],
        changes={
            "type": "Existing Business",
            "lead_source": "Partner",
            "forecast_category": "commit",
        },
    )
    deal.refresh_from_db()
    assert (deal.type, deal.lead_source, deal.forecast_category) == (
        "Existing Business",
        "Partner",
        "commit",
    )
    assert deal.forecast_category_overridden
    assert _history(deal)[-1].changed_fields == ["forecast_category"]


def test_a_bad_choice_fails_per_record_with_the_field_message(make_opportunity, team_users):
    deal = make_opportunity()
    result = bulk.opportunity_bulk_update(
        actor=team_users["wangqiang"], ids=[deal.pk], changes={"type": "Gift"}
    )
    assert result.failures == [
        {
            "id": deal.pk,
            "name": deal.name,
            "reason": "Value 'Gift' is not a valid choice.",
        }
    ]


def test_no_change_is_refused_before_anything(make_opportunity, team_users):
    from django.core.exceptions import ValidationError

    deal = make_opportunity()
    with pytest.raises(ValidationError) as caught:
        bulk.bulk_update_start(actor=team_users["wangqiang"], ids=[deal.pk], changes={"type": ""})
    assert caught.value.message_dict == {"__all__": ["Choose at least one change."]}
    assert not BulkUpdateJob.objects.exists()


def test_page_ticked_rows_then_result_page(client, make_opportunity, team_users):
    wangqiang, chenjing = team_users["wangqiang"], team_users["chenjing"]
    deals = [make_opportunity(owner=wangqiang, name=f"D{n}") for n in range(3)]
    other = make_opportunity(owner=team_users["zhaolei"], name="Theirs")
    client.force_login(team_users["liming"])
    response = client.post(
        BULK,
        {
            "scope": "selected",
            "ids": [deals[0].pk, deals[1].pk, other.pk],
            "owner": chenjing.pk,
            "query": "",
        },
    )
    job = BulkUpdateJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.total, job.updated_count, job.failed_count) == ("done", 3, 2, 1)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="bulk-updated">2<' in page
    assert 'data-testid="bulk-failed">1<' in page
    assert NOT_VISIBLE in page
    assert [d.owner_id for d in Opportunity.objects.filter(pk__in=[d.pk for d in deals])] == [
        chenjing.pk,
        chenjing.pk,
        wangqiang.pk,
    ]
    # Someone else's result page does not exist for them.
    client.force_login(wangqiang)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_page_all_matching_the_filters(client, make_opportunity, team_users, stages):
    for n in range(3):
        make_opportunity(name=f"N{n}", stage="Needs Analysis")
    make_opportunity(name="P", stage="Prospecting")
    make_opportunity(owner=team_users["zhaolei"], stage="Needs Analysis")  # not visible
    client.force_login(team_users["wangqiang"])
    query = f"stage={stages['Needs Analysis'].pk}"
    form = client.get(reverse("opportunities:bulk_update_form") + "?" + query)
    assert "All 3 opportunities matching the filters" in form.content.decode()
    client.post(BULK, {"scope": "all", "query": query, "lead_source": "Web Site"})
    job = BulkUpdateJob.objects.get()
    assert (job.total, job.updated_count, job.failed_count) == (3, 3, 0)
    changed = Opportunity.objects.filter(lead_source="Web Site").values_list("name", flat=True)
    assert sorted(changed) == ["N0", "N1", "N2"]


def test_page_refuses_nothing_ticked_and_lost_without_reason_reports(
    client, make_opportunity, team_users, stages
):
    deal = make_opportunity()
    client.force_login(team_users["wangqiang"])
    response = client.post(BULK, {"scope": "selected", "owner": team_users["wangqiang"].pk})
    assert response.status_code == 302 and not BulkUpdateJob.objects.exists()
    response = client.post(
        BULK, {"scope": "selected", "ids": [deal.pk], "stage": stages["Closed Lost"].pk}
    )
    job = BulkUpdateJob.objects.get()
    assert job.failures == [{"id": deal.pk, "name": deal.name, "reason": LOST_MESSAGE}]
    assert LOST_MESSAGE in client.get(job.get_absolute_url()).content.decode()


def test_failure_reasons_in_the_users_language(client, make_opportunity, team_users, stages):
    deal = make_opportunity()
    client.force_login(team_users["wangqiang"])
    client.post(
        BULK,
        {"scope": "selected", "ids": [deal.pk], "stage": stages["Closed Lost"].pk},
        headers={"accept-language": "zh-hans"},
    )
    reason = BulkUpdateJob.objects.get().failures[0]["reason"]
    assert reason != LOST_MESSAGE and "原因" in reason


def run_worker() -> int:
    """Run every ready task as `db_worker` does, inside the test's transaction."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1


def test_big_selections_run_in_the_worker_with_progress(
    client, make_opportunity, team_users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 3)
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    wangqiang, chenjing = team_users["wangqiang"], team_users["chenjing"]
    deals = [make_opportunity(owner=wangqiang) for _ in range(5)]
    hidden = make_opportunity(owner=team_users["zhaolei"])
    client.force_login(team_users["liming"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            BULK,
            {"ids": [d.pk for d in deals] + [hidden.pk], "scope": "selected", "owner": chenjing.pk},
        )
    job = BulkUpdateJob.objects.get()
    assert (job.status, job.total, job.processed) == ("queued", 6, 0)
    assert Opportunity.objects.filter(owner=chenjing).count() == 0  # nothing done yet
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 of 6" in page

    # What the result page shows between two records: the progress saved after each chunk.
    seen = []
    update = bulk.opportunity_update

    def watching(**arguments):
        running = BulkUpdateJob.objects.get(pk=job.pk)
        seen.append((running.status, running.processed))
        return update(**arguments)

    monkeypatch.setattr(bulk, "opportunity_update", watching)
    assert run_worker() == 1
    assert seen == [("running", 0), ("running", 0), ("running", 2), ("running", 2), ("running", 4)]
    job.refresh_from_db()
    assert (job.status, job.processed, job.updated_count, job.failed_count) == ("done", 6, 5, 1)
    assert job.failures == [{"id": hidden.pk, "name": "", "reason": NOT_VISIBLE}]
    assert Opportunity.objects.filter(owner=chenjing).count() == 5
    assert OpportunityChange.objects.filter(owner=chenjing, previous_owner=wangqiang).count() == 5
    page = client.get(job.get_absolute_url()).content.decode()
    assert "every 1s" not in page and 'data-testid="bulk-updated">5<' in page
    # A task delivered twice runs once.
    assert bulk.bulk_update_job_run(job_id=job.pk) == "done"
    assert OpportunityChange.objects.filter(owner=chenjing).count() == 5


def test_failures_download(client, make_opportunity, team_users):
    hidden = make_opportunity(owner=team_users["zhaolei"])
    client.force_login(team_users["wangqiang"])
    job = bulk.bulk_update_start(
        actor=team_users["wangqiang"], ids=[hidden.pk], changes={"type": "New Business"}
    )
    response = client.get(reverse("opportunities:bulk_update_failures", args=[job.pk]))
    body = b"".join(response.streaming_content).decode()
    assert body == f'\ufeffShangji ID,Name,Reason\r\n{hidden.pk},,"{NOT_VISIBLE}"\r\n'
