import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.activities.models import Activity, Attachment
from shangji.activities.services import activity_create
from shangji.contacts.models import Contact
from shangji.contacts.services import contact_create
from shangji.core.errors import ConflictError, PermissionDeniedError
from shangji.core.models import Currency
from shangji.leads.models import Lead
from shangji.leads.selectors import account_duplicates, company_stem, contact_duplicates
from shangji.leads.services import (
    lead_assign,
    lead_convert,
    lead_create,
    lead_delete,
    lead_update,
)
from shangji.opportunities.models import Opportunity, OpportunityContact

pytestmark = pytest.mark.django_db


def _opportunity_fields(stages, **overrides):
    fields = {
        "name": "新城百货 秋冬系列",
        "amount": Decimal("80000.00"),
        "currency": Currency.objects.get(code="CNY"),
        "close_date": datetime.date.today() + datetime.timedelta(days=90),
        "stage": stages["Prospecting"],
    }
    fields.update(overrides)
    return fields


def _new_contact(**overrides):
    fields = {"last_name": "王", "first_name": "芳", "email": "wangfang@xincheng.example"}
    fields.update(overrides)
    return fields


# --- create, update, assign, delete ---------------------------------------------------------


def test_own_lead_stays_new_given_to_someone_else_is_assigned_and_notified(team_users):
    manager, rep = team_users["liming"], team_users["wangqiang"]
    own = lead_create(actor=rep, owner=rep, last_name="王", first_name="芳", company="新城百货")
    assert (own.status, own.version, own.display_name) == ("New", 1, "王芳 · 新城百货")
    card = lead_create(actor=manager, owner=rep, company="华联商厦", source="Trade Show")
    assert card.status == "Assigned"
    pool = lead_create(actor=manager, company="明珠百货")
    assert (pool.status, pool.owner) == ("New", None)
    notification = rep.notifications.get()
    assert notification.text == "李明 assigned you the lead “华联商厦”."
    assert notification.url == card.get_absolute_url()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"company": "  ", "last_name": ""}, "last_name"),
        ({"company": "新城百货", "status": "Converted"}, "status"),
        ({"company": "新城百货", "email": "not-an-address"}, "email"),
        ({"company": "新城百货", "source": "Carrier pigeon"}, "source"),
    ],
)
def test_bad_input_writes_nothing(team_users, fields, field):
    with pytest.raises(ValidationError) as caught:
        lead_create(actor=team_users["wangqiang"], owner=team_users["wangqiang"], **fields)
    assert field in caught.value.message_dict
    assert not Lead.objects.exists()


def test_external_id_is_unique_when_not_blank(make_lead):
    make_lead(company="甲", external_id="SUITE-1")
    make_lead(company="乙")
    make_lead(company="丙")  # two blank external IDs are fine
    with pytest.raises(ValidationError) as caught:
        make_lead(company="丁", external_id="SUITE-1")
    assert caught.value.message_dict == {"external_id": ["Another lead has this external ID."]}
    assert Lead.objects.count() == 3


def test_update_checks_version_and_who_may_edit(make_lead, team_users):
    rep, other = team_users["wangqiang"], team_users["chenjing"]
    lead = make_lead()
    lead = lead_update(lead=lead, actor=rep, version=1, status="In Process", title=" 采购经理 ")
    assert (lead.status, lead.title, lead.version) == ("In Process", "采购经理", 2)
    with pytest.raises(ConflictError):
        lead_update(lead=lead, actor=rep, version=1, title="总经理")
    with pytest.raises(PermissionDeniedError):
        lead_update(lead=lead, actor=other, version=2, title="总经理")
    unchanged = lead_update(lead=lead, actor=rep, version=2, title="采购经理")
    assert unchanged.version == 2  # nothing changed, nothing written
    assert Lead.objects.get().title == "采购经理"


def test_unassigned_pool_is_changed_by_managers_not_reps(make_lead, team_users):
    manager, rep = team_users["liming"], team_users["wangqiang"]
    pool = make_lead(actor=manager, owner=None, company="港湾百货")
    with pytest.raises(PermissionDeniedError):
        lead_assign(lead=pool, owner=rep, actor=rep, version=1)
    lead = lead_assign(lead=pool, owner=rep, actor=manager, version=1)
    assert (lead.owner, lead.status, lead.version) == (rep, "Assigned", 2)
    assert rep.notifications.filter(verb="lead_assigned").count() == 1
    # A lead already being worked keeps its status when it changes hands.
    lead = lead_update(lead=lead, actor=rep, version=2, status="In Process")
    lead = lead_assign(lead=lead, owner=team_users["chenjing"], actor=manager, version=3)
    assert lead.status == "In Process"


def test_visibility_follows_the_owner_rule_plus_the_pool(make_lead, team_users):
    mine = make_lead(company="王强的线索")
    make_lead(actor=team_users["chenjing"], company="陈静的线索")
    make_lead(actor=team_users["zhaolei"], company="赵磊的线索")
    make_lead(actor=team_users["liming"], owner=None, company="无人负责")

    def seen(user):
        return sorted(Lead.objects.visible_to(user).values_list("company", flat=True))

    assert seen(team_users["wangqiang"]) == sorted(["王强的线索", "无人负责"])
    assert seen(team_users["liming"]) == sorted(["王强的线索", "陈静的线索", "无人负责"])
    assert len(seen(team_users["zhangyue"])) == 4
    # Activities on a lead follow the lead.
    activity_create(actor=team_users["wangqiang"], kind="note", lead=mine, subject="名片")
    assert Activity.objects.visible_to(team_users["chenjing"]).count() == 0
    assert Activity.objects.visible_to(team_users["liming"]).count() == 1


def test_delete_takes_the_activities_along(make_lead, team_users):
    rep = team_users["wangqiang"]
    lead = make_lead()
    activity_create(actor=rep, kind="note", lead=lead, subject="展会名片")
    with pytest.raises(ConflictError):
        lead_delete(lead=lead, actor=rep, version=7)
    lead_delete(lead=lead, actor=rep, version=1)
    assert not Lead.objects.exists() and not Activity.objects.exists()


# --- duplicates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("上海新城百货有限公司", "上海新城百货"),
        ("新城百货股份有限公司", "新城百货"),
        ("新城百货", "新城百货"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME  Limited", "acme"),
        ("Pacific Outlet Inc.", "pacific outlet"),
        ("Nordic Style AB", "nordic style"),
        ("Costco", "costco"),
        ("公司", "公司"),
    ],
)
def test_company_stem(name, stem):
    assert company_stem(name) == stem


def test_duplicates_by_name_and_by_email_or_phone(team_users):
    rep = team_users["wangqiang"]
    xincheng = account_create(actor=rep, name="新城百货")
    acme = account_create(actor=rep, name="ACME Ltd")
    account_create(actor=rep, name="新城百货超市")
    account_create(actor=rep, name="Acme Widgets")
    assert account_duplicates(name="新城百货有限公司") == [xincheng]
    assert account_duplicates(name="acme co., ltd.") == [acme]
    assert account_duplicates(name="东方购物中心") == []
    wangfang = contact_create(
        actor=rep, account=xincheng, last_name="王", email="WangFang@Xincheng.example"
    )
    liu = contact_create(actor=rep, account=xincheng, last_name="刘", mobile="138-0013-8000")
    contact_create(actor=rep, account=xincheng, last_name="周", phone="021 5555 0000")
    assert contact_duplicates(email="wangfang@xincheng.example") == [wangfang]
    assert contact_duplicates(phones=("138 0013 8000",)) == [liu]
    assert contact_duplicates(email="x@y.example", phones=("", "13800138000")) == [liu]
    assert contact_duplicates() == []


# --- conversion -----------------------------------------------------------------------------


def test_convert_into_new_records_moves_the_activities(make_lead, team_users, stages, rates):
    manager, rep = team_users["liming"], team_users["wangqiang"]
    lead = make_lead(source="Trade Show", title="采购经理", mobile="138 0000 0001")
    note = activity_create(actor=rep, kind="note", lead=lead, subject="展会名片")
    lead = lead_convert(
        lead=lead,
        actor=manager,
        version=1,
        new_account={"name": "新城百货有限公司"},
        new_contact=_new_contact(title="采购经理"),
        opportunity=_opportunity_fields(stages),
    )
    assert (lead.status, lead.version, lead.converted_by) == ("Converted", 2, manager)
    account, contact, deal = (
        lead.converted_account,
        lead.converted_contact,
        lead.converted_opportunity,
    )
    assert (account.name, account.owner) == ("新城百货有限公司", rep)
    assert (contact.account, contact.owner, contact.full_name) == (account, rep, "王芳")
    assert (deal.account, deal.owner, deal.lead_source) == (account, rep, "Trade Show")
    assert deal.amount_base == Decimal("80000.00")
    role = OpportunityContact.objects.get(opportunity=deal)
    assert (role.contact, role.role) == (contact, "Primary Decision Maker")
    note.refresh_from_db()
    assert (note.lead, note.contact, note.account, note.opportunity) == (
        None,
        contact,
        account,
        deal,
    )
    assert note.version == 2 and note.updated_by == manager


def test_convert_into_existing_records_copies_the_activities(
    make_lead, team_users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    rep, manager = team_users["wangqiang"], team_users["liming"]
    account = account_create(actor=manager, name="新城百货")
    contact = contact_create(actor=manager, account=account, last_name="王", first_name="芳")
    lead = make_lead()
    card = SimpleUploadedFile("名片.jpg", b"\xff\xd8 card scan", "image/jpeg")
    note = activity_create(actor=rep, kind="note", lead=lead, subject="名片", attachments=[card])
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        lead=lead,
        subject="展会面谈",
        starts_at=datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC),
        attendee_users=[manager],
    )
    lead = lead_convert(
        lead=lead, actor=rep, version=1, account=account, contact=contact, activities="copy"
    )
    assert (lead.converted_account, lead.converted_contact) == (account, contact)
    assert lead.converted_opportunity is None
    assert set(Activity.objects.filter(lead=lead)) == {note, meeting}
    copies = {a.subject: a for a in Activity.objects.filter(contact=contact)}
    assert set(copies) == {"名片", "展会面谈"}
    assert all(c.account == account and c.lead is None for c in copies.values())
    assert copies["展会面谈"].occurred_at == meeting.occurred_at
    assert [p.user for p in copies["展会面谈"].participants.all()] == [manager]
    copied = Attachment.objects.get(activity=copies["名片"])
    original = Attachment.objects.get(activity=note)
    assert copied.file.name != original.file.name
    assert copied.file.read() == b"\xff\xd8 card scan"
    # Nothing happens twice: the reminders stay with the originals only.
    assert not copies["展会面谈"].reminders.exists()


def test_a_failing_opportunity_leaves_nothing_written(make_lead, team_users, stages):
    rep = team_users["wangqiang"]
    lead = make_lead()
    note = activity_create(actor=rep, kind="note", lead=lead, subject="名片")
    stages["Prospecting"].is_active = False
    stages["Prospecting"].save()
    with pytest.raises(ValidationError) as caught:
        lead_convert(
            lead=lead,
            actor=rep,
            version=1,
            new_account={"name": "新城百货"},
            new_contact=_new_contact(),
            opportunity=_opportunity_fields(stages, amount=Decimal("-5")),
        )
    errors = caught.value.message_dict
    assert set(errors) == {"opportunity_stage", "opportunity_amount"}
    assert errors["opportunity_stage"] == ["This stage is retired; choose another."]
    assert not Account.objects.exists() and not Contact.objects.exists()
    assert not Opportunity.objects.exists()
    lead.refresh_from_db()
    assert (lead.status, lead.version, lead.converted_at) == ("New", 1, None)
    note.refresh_from_db()
    assert (note.lead, note.contact_id, note.version) == (lead, None, 1)


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        (
            {"new_contact": _new_contact()},
            {"account": ["Choose an existing account or create a new one (one of the two)."]},
        ),
        (
            {"new_account": {"name": ""}, "new_contact": _new_contact(last_name="")},
            {"new_account_name": ["This field cannot be blank."]},
        ),
        (
            {"new_account": {"name": "新城百货"}, "new_contact": _new_contact(last_name="")},
            {"new_contact_last_name": ["This field cannot be blank."]},
        ),
        (
            {
                "new_account": {"name": "新城百货"},
                "new_contact": _new_contact(),
                "opportunity": {"name": "秋冬系列"},
            },
            {
                f"opportunity_{name}": ["This field is required."]
                for name in ("amount", "currency", "close_date", "stage")
            },
        ),
    ],
)
def test_conversion_errors_name_the_part(make_lead, team_users, arguments, errors):
    lead = make_lead()
    with pytest.raises(ValidationError) as caught:
        lead_convert(lead=lead, actor=team_users["wangqiang"], version=1, **arguments)
    assert caught.value.message_dict == errors
    assert not Account.objects.exists() and Lead.objects.get().status == "New"


def test_a_converted_lead_is_read_only(make_lead, team_users):
    rep = team_users["wangqiang"]
    lead = make_lead()
    lead = lead_convert(
        lead=lead,
        actor=rep,
        version=1,
        new_account={"name": "新城百货"},
        new_contact=_new_contact(),
        activities="keep",
    )
    message = "This lead is converted; change what it became instead."
    for action in (
        lambda: lead_update(lead=lead, actor=rep, version=2, title="总经理"),
        lambda: lead_assign(lead=lead, owner=team_users["chenjing"], actor=rep, version=2),
        lambda: lead_delete(lead=lead, actor=rep, version=2),
    ):
        with pytest.raises(ValidationError) as caught:
            action()
        assert caught.value.messages == [message]
    with pytest.raises(ValidationError):
        lead_convert(lead=lead, actor=rep, version=2, account=Account.objects.get())
    with pytest.raises(ValidationError) as caught:
        activity_create(actor=rep, kind="note", lead=lead, subject="迟到的笔记")
    assert caught.value.message_dict == {
        "lead": ["This lead is converted; log activities on what it became."]
    }
    with pytest.raises(PermissionDeniedError):
        lead_convert(
            lead=make_lead(company="陈静的"),
            actor=team_users["chenjing"],
            version=1,
            account=Account.objects.get(),
            contact=Contact.objects.get(),
        )


def test_a_reminder_on_a_lead_leads_to_the_lead_page(make_lead, team_users):
    import time_machine
    from django.core import mail

    from shangji.activities.delivery import reminder_deliver

    start = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)
    rep = team_users["wangqiang"]
    rep.email = "wangqiang@shangpin.example"
    rep.save()
    lead = make_lead()
    with time_machine.travel(start - datetime.timedelta(hours=1), tick=False):
        call = activity_create(
            actor=rep, kind="call", lead=lead, subject="回访", starts_at=start, reminders=[15]
        )
    reminder = call.reminders.get()
    with time_machine.travel(start - datetime.timedelta(minutes=15), tick=False):
        assert reminder_deliver(reminder_id=reminder.pk)
    notification = rep.notifications.get(verb="reminder")
    assert notification.url == f"{lead.get_absolute_url()}#activity-{call.pk}"
    # The reminder e-mail speaks the rep's language (the default, Chinese).
    assert "线索: 王芳 · 新城百货有限公司" in mail.outbox[0].body
