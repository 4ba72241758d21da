"""Writes that change records beside the one they are about still tell the change feed:
activities deleted with their opportunity or lead, activities moved by a lead conversion,
e-mails logged, an opportunity's contacts and competitors, and a failed import."""

import pytest
from django.utils import timezone

from shangji.webhooks.models import ChangeEvent

pytestmark = pytest.mark.django_db


def actions(kind):
    return list(
        ChangeEvent.objects.filter(kind=kind)
        .order_by("id")
        .values_list("entity_id", "action", "payload__changed")
    )


def test_activities_deleted_with_their_opportunity(make_opportunity, team_users):
    from shangji.activities.services import activity_create
    from shangji.opportunities.services import opportunity_delete

    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    calls = [
        activity_create(
            actor=rep, kind="call", subject=f"回访 {n}", opportunity=deal, starts_at=timezone.now()
        )
        for n in range(2)
    ]
    ChangeEvent.objects.all().delete()
    opportunity_delete(opportunity=deal, actor=rep, version=deal.version)
    assert sorted(actions("activity")) == sorted((call.pk, "deleted", None) for call in calls)
    deleted = ChangeEvent.objects.filter(kind="activity").first()
    assert deleted.owner == rep and deleted.payload["opportunity_id"] == deal.pk


def test_activities_deleted_with_their_lead_and_moved_by_a_conversion(team_users, stages):
    from shangji.activities.services import activity_create
    from shangji.leads.services import lead_convert, lead_create, lead_delete

    rep = team_users["wangqiang"]
    doomed = lead_create(actor=rep, owner=rep, last_name="赵", company="北方商贸")
    note = activity_create(actor=rep, kind="note", subject="初次联系", lead=doomed)
    lead = lead_create(actor=rep, owner=rep, last_name="王", first_name="芳", company="新城")
    call = activity_create(
        actor=rep, kind="call", subject="需求沟通", lead=lead, starts_at=timezone.now()
    )
    ChangeEvent.objects.all().delete()
    lead_delete(lead=doomed, actor=rep, version=doomed.version)
    assert actions("activity") == [(note.pk, "deleted", None)]
    lead_convert(
        lead=lead,
        actor=rep,
        version=lead.version,
        new_account={"name": "新城百货有限公司"},
        new_contact={"last_name": "王", "first_name": "芳"},
        activities="move",
    )
    moved = ChangeEvent.objects.get(kind="activity", action="updated")
    assert moved.entity_id == call.pk
    assert moved.payload["lead_id"] is None
    assert moved.payload["contact_id"] is not None and moved.payload["account_id"] is not None


def test_opportunity_contacts_and_competitors(make_opportunity, team_users):
    from shangji.contacts.services import contact_create
    from shangji.opportunities.services import (
        competitor_add,
        competitor_remove,
        competitor_update,
        opportunity_contact_remove,
        opportunity_contact_set,
    )

    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    wang = contact_create(actor=rep, account=deal.account, last_name="王", first_name="芳")
    ChangeEvent.objects.all().delete()
    opportunity_contact_set(
        opportunity=deal, contact=wang, role="Primary Decision Maker", actor=rep
    )
    opportunity_contact_remove(opportunity=deal, contact=wang, actor=rep)
    rival = competitor_add(opportunity=deal, actor=rep, name="优衣库")
    competitor_update(competitor=rival, actor=rep, strengths="价格")
    competitor_remove(competitor=rival, actor=rep)
    assert actions("opportunity") == [
        (deal.pk, "updated", ["contacts"]),
        (deal.pk, "updated", ["contacts"]),
        (deal.pk, "updated", ["competitors"]),
        (deal.pk, "updated", ["competitors"]),
        (deal.pk, "updated", ["competitors"]),
    ]


def test_a_refused_contact_role_records_nothing(make_opportunity, team_users):
    from django.core.exceptions import ValidationError

    from shangji.contacts.services import contact_create
    from shangji.opportunities.services import opportunity_contact_set

    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    wang = contact_create(actor=rep, account=deal.account, last_name="王")
    ChangeEvent.objects.all().delete()
    with pytest.raises(ValidationError):
        opportunity_contact_set(opportunity=deal, contact=wang, role="astronaut", actor=rep)
    assert not ChangeEvent.objects.exists()


def test_a_logged_email_is_an_activity_created(make_opportunity, team_users, settings, tmp_path):
    from shangji.activities.mail.services import email_import

    settings.MEDIA_ROOT = tmp_path
    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    raw = (
        "From: 王芳 <wangfang@xincheng.example>\r\nTo: wangqiang@shangpin.example\r\n"
        "Subject: 报价确认\r\nMessage-ID: <q1@xincheng.example>\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "价格没问题。\r\n"
    ).encode()
    ChangeEvent.objects.all().delete()
    email = email_import(actor=rep, raw=raw, opportunity=deal)
    [event] = ChangeEvent.objects.filter(kind="activity")
    assert (event.entity_id, event.action, event.payload["kind"]) == (email.pk, "created", "email")
    assert event.owner == rep


def test_a_failed_import_is_an_import_finished(team_users, settings, tmp_path):
    from tests.imports.conftest import run, upload

    settings.MEDIA_ROOT = tmp_path
    rows = [["Opportunity Name", "Amount", "Close Date"], ["新城百货", "not money", "2026-13-45"]]
    job = run(upload(team_users["liming"], "opportunities", rows))
    assert job.status == "failed"
    [event] = ChangeEvent.objects.all()
    assert (event.kind, event.action, event.entity_id) == ("import", "finished", job.pk)
    assert event.payload["status"] == "failed" and event.owner == team_users["liming"]
