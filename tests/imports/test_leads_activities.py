"""Importing leads (SuiteCRM's and Salesforce's columns) and activities linked to the records
a row names; bad rows reported, upsert, undo."""

import datetime

import pytest

from shangji.accounts.services import account_create
from shangji.activities.models import Activity
from shangji.contacts.services import contact_create
from shangji.leads.models import Lead

from .conftest import problems, run, upload

pytestmark = pytest.mark.django_db

SUITECRM_LEADS = [
    "ID", "First Name", "Last Name", "Title", "Account Name", "Email Address", "Office Phone",
    "Mobile Phone", "Lead Source", "Status", "Assigned to", "Description",
]  # fmt: skip


def test_a_suitecrm_lead_export_imports(team_users):
    rows = [
        SUITECRM_LEADS,
        ["L-1", "芳", "王", "采购经理", "新城百货", "wangfang@xincheng.example", "021-1",
         "13800138000", "Trade Show", "New", "wangqiang", "展会名片"],
        ["L-2", "", "", "", "", "", "", "", "Web Site", "In Process", "", ""],
        ["L-3", "Anna", "Lindqvist", "", "Nordic Style AB", "anna@nordic", "", "", "", "Converted",
         "", ""],
    ]  # fmt: skip
    job = upload(team_users["liming"], "leads", rows)
    assert job.mapping["fields"]["company"] == {"column": "Account Name"}
    job = run(job, "dry_run")
    assert problems(job) == [
        (3, "last_name", "", "Give the lead a name or a company."),
        (4, "email", "anna@nordic", "“anna@nordic” is not an e-mail address."),
        (4, "status", "Converted", "A lead becomes converted only by converting it."),
    ]
    job = run(job, "import", good_rows_only=True)
    assert (job.status, job.created_count, job.failed_count) == ("done", 1, 2)
    lead = Lead.objects.get(external_id="L-1")
    assert (lead.full_name, lead.company, lead.source, lead.owner) == (
        "王芳", "新城百货", "Trade Show", team_users["wangqiang"]
    )  # fmt: skip
    assert lead.status == "Assigned"  # given to someone else by the import, as by a person

    again = [SUITECRM_LEADS[:3] + ["Status"], ["L-1", "芳", "王", "In Process"]]
    job = run(upload(team_users["liming"], "leads", again))
    assert (job.updated_count, job.created_count) == (1, 0)
    lead.refresh_from_db()
    assert lead.status == "In Process"
    run(job, "undo")
    lead.refresh_from_db()
    assert lead.status == "Assigned"


def test_a_converted_lead_cannot_be_imported_as_converted(team_users):
    rows = [["Company", "Status"], ["Acme", "Converted"]]
    job = run(upload(team_users["liming"], "leads", rows), "dry_run")
    assert problems(job) == [
        (2, "status", "Converted", "A lead becomes converted only by converting it.")
    ]


@pytest.fixture
def records(team_users, make_opportunity):
    deal = make_opportunity(name="新城百货合作项目", owner=team_users["wangqiang"])
    deal.external_id = "SF-OPP-1"
    deal.save()
    wangfang = contact_create(actor=team_users["liming"], account=deal.account, last_name="王",
                              first_name="芳", email="wangfang@xincheng.example")  # fmt: skip
    account_create(actor=team_users["liming"], name="华联商厦")
    return deal, wangfang


ACTIVITIES = ["Type", "Subject", "Status", "Start Date", "Duration", "Opportunity", "Contact",
              "Account", "Assigned to", "Description"]  # fmt: skip


def test_calls_meetings_tasks_and_notes_link_to_what_they_name(team_users, records):
    deal, wangfang = records
    rows = [
        ACTIVITIES,
        ["Calls", "与王芳电话", "Held", "2025-03-01 10:00", "30", "SF-OPP-1", "", "", "wangqiang",
         "讨论摆放位置"],
        ["会议", "合作面谈", "Planned", "2025-03-05 14:00", "90", "", "wangfang@xincheng.example",
         "", "liming", ""],
        ["Task", "准备报告", "In Progress", "2025-03-10", "", "新城百货合作项目", "", "", "", ""],
        ["Note", "", "", "", "", "", "", "华联商厦", "", "客户来电咨询"],
        ["Call", "Wrong status", "Completed", "2025-03-01 10:00", "", "SF-OPP-1", "", "", "", ""],
        ["Fax", "Unknown kind", "", "", "", "SF-OPP-1", "", "", "", ""],
        ["Task", "Nowhere", "", "2025-03-01", "", "", "", "", "", ""],
        ["Task", "Ghost", "", "2025-03-01", "", "SF-OPP-404", "", "", "", ""],
    ]  # fmt: skip
    job = run(upload(team_users["liming"], "activities", rows), "dry_run")
    assert [(row, field) for row, field, _value, _message in problems(job)] == [
        (6, "status"), (7, "kind"), (8, "opportunity"), (8, "account"), (8, "contact"),
        (8, "lead"), (9, "opportunity"),
    ]  # fmt: skip
    assert problems(job)[0][3].startswith("“Completed” is not one of: Planned, Held, Not held")
    assert problems(job)[2][3] == "Link it to an opportunity, an account, a contact or a lead."
    assert problems(job)[-1][3] == "There is no opportunity “SF-OPP-404”."

    job = run(job, "import", good_rows_only=True)
    assert (job.status, job.created_count, job.failed_count) == ("done", 4, 4)
    call = Activity.objects.get(subject="与王芳电话")
    assert (call.kind, call.status, call.duration_minutes, call.opportunity) == (
        "call", "held", 30, deal
    )  # fmt: skip
    assert (call.account, call.owner, call.body) == (deal.account, team_users["wangqiang"],
                                                     "讨论摆放位置")  # fmt: skip
    meeting = Activity.objects.get(kind="meeting")
    assert (meeting.contact, meeting.account, meeting.duration_minutes) == (
        wangfang, wangfang.account, 90
    )  # fmt: skip
    assert meeting.ends_at - meeting.starts_at == datetime.timedelta(minutes=90)
    task = Activity.objects.get(kind="task")
    assert (task.status, task.priority, task.opportunity) == ("in_progress", "medium", deal)
    note = Activity.objects.get(kind="note")
    assert (note.account.name, note.body) == ("华联商厦", "客户来电咨询")

    run(job, "undo")
    assert not Activity.objects.exists()
