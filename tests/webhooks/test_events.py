"""Every service write records its change event in the same transaction."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shangji.webhooks.models import ChangeEvent

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(
        ChangeEvent.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "action", "payload__changed")
    )


def test_opportunity_lifecycle(make_opportunity, stages, team_users):
    from shangji.opportunities.services import (
        opportunity_assign,
        opportunity_delete,
        opportunity_move_stage,
        opportunity_update,
    )

    rep, manager = team_users["wangqiang"], team_users["liming"]
    deal = make_opportunity(owner=rep, name="新城百货 秋冬系列", amount="80000.00")
    deal = opportunity_update(opportunity=deal, actor=rep, version=1, next_step="报价")
    deal = opportunity_move_stage(
        opportunity=deal, stage=stages["Qualification"], actor=rep, version=2
    )
    deal = opportunity_assign(
        opportunity=deal, owner=team_users["chenjing"], actor=manager, version=3
    )
    deal = opportunity_move_stage(
        opportunity=deal, stage=stages["Closed Won"], actor=manager, version=4
    )
    opportunity_delete(opportunity=deal, actor=manager, version=5)
    assert events(kind="opportunity") == [
        ("opportunity", "created", None),
        ("opportunity", "updated", ["next_step"]),
        ("opportunity", "stage_changed", ["stage"]),
        ("opportunity", "updated", ["owner"]),
        ("opportunity", "won", ["stage"]),
        ("opportunity", "deleted", None),
    ]
    created, *_middle, won, deleted = ChangeEvent.objects.filter(kind="opportunity").order_by("id")
    assert created.payload["amount"] == "80000.00" and created.actor == rep
    assert (created.owner, created.shared) == (rep, False)
    assert (won.owner, won.actor) == (team_users["chenjing"], manager)
    assert won.payload["probability"] == 100
    assert deleted.entity_id == created.entity_id and deleted.payload["name"] == "新城百货 秋冬系列"
    assert deleted.owner == team_users["chenjing"]


def test_a_lost_move_and_an_unchanged_save(make_opportunity, stages, team_users):
    from shangji.opportunities.services import opportunity_move_stage, opportunity_update

    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    opportunity_update(opportunity=deal, actor=rep, version=1, next_step=deal.next_step)
    opportunity_move_stage(
        opportunity=deal, stage=stages["Closed Lost"], actor=rep, version=1, lost_reason="价格"
    )
    assert [action for _kind, action, _changed in events(kind="opportunity")] == [
        "created",
        "lost",
    ]  # saving nothing changed writes no event


def test_a_refused_write_records_nothing(make_opportunity, stages, team_users):
    from shangji.opportunities.services import opportunity_move_stage

    deal = make_opportunity()
    before = ChangeEvent.objects.count()
    with pytest.raises(ValidationError):  # lost needs a reason
        opportunity_move_stage(
            opportunity=deal, stage=stages["Closed Lost"], actor=deal.owner, version=1
        )
    assert ChangeEvent.objects.count() == before


def test_accounts_contacts_activities(team_users):
    from shangji.accounts.services import account_create, account_update
    from shangji.activities.services import activity_complete, activity_create, activity_delete
    from shangji.contacts.services import contact_create, contact_update

    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="华联超市")
    account_update(account=account, actor=rep, version=1, phone="021-5555 0101")
    contact = contact_create(actor=rep, account=account, last_name="李", first_name="娜")
    contact_update(contact=contact, actor=rep, version=1, title="店长")
    call = activity_create(
        actor=rep, kind="call", subject="回访", account=account, starts_at=timezone.now()
    )
    call = activity_complete(activity=call, actor=rep, version=call.version)
    activity_delete(activity=call, actor=rep)
    assert events() == [
        ("account", "created", None),
        ("account", "updated", ["phone"]),
        ("contact", "created", None),
        ("contact", "updated", ["title"]),
        ("activity", "created", None),
        ("activity", "completed", ["status"]),
        ("activity", "deleted", None),
    ]
    assert set(ChangeEvent.objects.values_list("shared", flat=True)) == {True}


def test_lead_conversion(team_users, stages, rates):
    from shangji.core.models import Currency
    from shangji.leads.services import lead_convert, lead_create

    rep, manager = team_users["wangqiang"], team_users["liming"]
    lead = lead_create(actor=rep, owner=rep, last_name="王", first_name="芳", company="新城")
    lead_convert(
        lead=lead,
        actor=manager,
        version=1,
        new_account={"name": "新城百货有限公司"},
        new_contact={"last_name": "王", "first_name": "芳"},
        opportunity={
            "name": "新城百货 秋冬系列",
            "amount": Decimal("80000.00"),
            "currency": Currency.objects.get(code="CNY"),
            "close_date": datetime.date.today() + datetime.timedelta(days=90),
            "stage": stages["Prospecting"],
        },
    )
    assert [(kind, action) for kind, action, _changed in events()] == [
        ("lead", "created"),
        ("account", "created"),
        ("contact", "created"),
        ("opportunity", "created"),
        ("lead", "converted"),
    ]
    converted = ChangeEvent.objects.get(action="converted")
    assert converted.payload["status"] == "Converted"
    assert converted.payload["converted_opportunity_id"] is not None


def test_a_finished_import(team_users, settings, tmp_path):
    from tests.imports.conftest import run, upload

    settings.MEDIA_ROOT = tmp_path
    job = upload(team_users["liming"], "accounts", [["Account Name"], ["华联超市"], ["新城百货"]])
    run(job, "dry_run")
    assert not ChangeEvent.objects.exists()
    job = run(job)
    assert [(kind, action) for kind, action, _changed in events()] == [
        ("account", "created"),
        ("account", "created"),
        ("import", "finished"),
    ]
    finished = ChangeEvent.objects.get(kind="import")
    assert (finished.entity_id, finished.owner, finished.payload["status"]) == (
        job.pk,
        team_users["liming"],
        "done",
    )
    assert finished.payload["created_count"] == 2
    run(job, "undo")  # the undo deletes in bulk: one event per record
    deleted = ChangeEvent.objects.filter(action="deleted").values_list("kind", "payload__name")
    assert sorted(deleted) == [("account", "华联超市"), ("account", "新城百货")]
