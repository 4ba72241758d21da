"""Activity pages: inline writes on the record pages, edit/complete/delete with the version
check, visibility and downloads, the list, and "my work"."""

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shangji.activities.models import Activity, Attachment, Reminder
from shangji.activities.services import activity_complete, activity_create
from shangji.contacts.services import contact_create
from shangji.opportunities.services import opportunity_assign
from shangji.users.models import Notification
from tests.helpers import next_url, queries_of

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:activity_create")
LIST = reverse("activities:activity_list")
HTMX = {"HTTP_HX_REQUEST": "true"}
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ENTRY = re.compile(r'data-testid="timeline-entry" data-kind="(\w+)"(?: data-activity-id="(\d+)")?')


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deal(make_opportunity, team_users):
    """王强's 新城百货合作项目 with 王芳 at the account."""
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="新城百货合作项目")
    wangfang = contact_create(
        actor=rep,
        account=opportunity.account,
        last_name="王",
        first_name="芳",
        title="采购经理",
        email="wangfang@xincheng.example",
    )
    return opportunity, wangfang


def _local(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _field(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _entries(content: str) -> list[tuple[str, int | None]]:
    return [(kind, int(pk) if pk else None) for kind, pk in ENTRY.findall(content)]


def _text(response) -> str:
    return html.unescape(response.content.decode())


# --- inline create ------------------------------------------------------------------------


def test_log_a_call_with_a_plain_post(client, deal, team_users):
    opportunity, _wangfang = deal
    client.force_login(team_users["wangqiang"])
    page = client.get(opportunity.get_absolute_url()).content.decode()
    for testid in ("activity-panel", "form-call", "form-meeting", "form-task", "form-note"):
        assert f'data-testid="{testid}"' in page
    response = client.post(
        CREATE,
        {
            "kind": "call",
            "opportunity": opportunity.pk,
            "next": opportunity.get_absolute_url() + "#timeline",
            "subject": "周例会电话",
            "direction": "inbound",
            "status": "held",
            "starts_at": "2026-03-02T10:00",
            "duration_minutes": "30",
            "body": "讨论了摆放位置和营销推广计划",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_absolute_url() + "#timeline"
    call = Activity.objects.get()
    assert (call.kind, call.subject, call.direction, call.status) == (
        "call",
        "周例会电话",
        "inbound",
        "held",
    )
    assert call.starts_at == datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    assert call.ends_at - call.starts_at == datetime.timedelta(minutes=30)
    assert (call.owner, call.account, call.body) == (
        team_users["wangqiang"],
        opportunity.account,
        "讨论了摆放位置和营销推广计划",
    )
    assert call.completed_at is not None and call.reminders.count() == 0
    page = client.get(opportunity.get_absolute_url())
    assert "Call logged." in _text(page)
    assert ("call", call.pk) in _entries(page.content.decode())


def test_schedule_a_meeting_inline_with_htmx(client, deal, team_users):
    opportunity, wangfang = deal
    rep, manager = team_users["wangqiang"], team_users["liming"]
    client.force_login(rep)
    start = _local(3, 14)
    response = client.post(
        CREATE,
        {
            "kind": "meeting",
            "opportunity": opportunity.pk,
            "subject": "与王芳面谈",
            "starts_at": _field(start),
            "ends_at": _field(start + datetime.timedelta(minutes=90)),
            "location": "新城百货总部",
            "status": "planned",
            "attendee_users": [manager.pk],
            "attendee_contacts": [wangfang.pk],
            "body": "专柜位置；推广计划",
            "reminders": ["15", "1440"],
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "activity-changed"
    content = _text(response)
    assert 'data-testid="form-done"' in content and "Meeting scheduled." in content
    assert 'data-testid="form-meeting"' in content and "与王芳面谈" not in content  # blank again
    meeting = Activity.objects.get()
    assert (meeting.kind, meeting.location, meeting.duration_minutes) == (
        "meeting",
        "新城百货总部",
        90,
    )
    assert {p.user_id for p in meeting.participants.filter(user__isnull=False)} == {manager.pk}
    assert {p.contact_id for p in meeting.participants.filter(contact__isnull=False)} == {
        wangfang.pk
    }
    assert {
        (r.recipient.username, r.minutes_before, r.remind_at) for r in meeting.reminders.all()
    } == {
        ("wangqiang", 15, start - datetime.timedelta(minutes=15)),
        ("wangqiang", 1440, start - datetime.timedelta(days=1)),
        ("liming", 15, start - datetime.timedelta(minutes=15)),
        ("liming", 1440, start - datetime.timedelta(days=1)),
    }


def test_add_a_task_for_someone_else_with_a_reminder(client, deal, team_users):
    opportunity, _wangfang = deal
    client.force_login(team_users["liming"])
    due = _local(7, 17)
    response = client.post(
        CREATE,
        {
            "kind": "task",
            "opportunity": opportunity.pk,
            "subject": "准备供应链管理报告",
            "starts_at": _field(due),
            "priority": "high",
            "status": "not_started",
            "owner": team_users["wangqiang"].pk,
            "body": "回应王芳对供应链和质量控制的关注",
            "reminders": ["60"],
        },
        **HTMX,
    )
    assert response.status_code == 200 and "Task added." in _text(response)
    task = Activity.objects.get()
    assert (task.subject, task.priority, task.status, task.owner.username) == (
        "准备供应链管理报告",
        "high",
        "not_started",
        "wangqiang",
    )
    assert task.created_by == team_users["liming"] and task.starts_at == due
    reminder = Reminder.objects.get()
    assert (reminder.recipient.username, reminder.remind_at, reminder.status) == (
        "wangqiang",
        due - datetime.timedelta(hours=1),
        "pending",
    )


def test_add_a_note_with_files_and_download_them(client, deal, team_users, settings):
    opportunity, _wangfang = deal
    rep = team_users["wangqiang"]
    client.force_login(rep)
    response = client.post(
        CREATE,
        {
            "kind": "note",
            "opportunity": opportunity.pk,
            "subject": "王芳的顾虑",
            "body": "供应链管理和产品质量控制",
            "attachments": [
                SimpleUploadedFile("质检报告.pdf", b"%PDF-1.4 report", "application/pdf"),
                SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
            ],
        },
    )
    assert response.status_code == 302
    note = Activity.objects.get()
    report, page = Attachment.objects.filter(activity=note).order_by("id")
    assert (report.filename, report.size, page.filename) == ("质检报告.pdf", 15, "page.html")
    assert report.file.path.startswith(str(settings.MEDIA_ROOT))
    assert "质检报告" not in report.file.name  # stored under a random name

    url = reverse("activities:attachment_download", args=[report.pk])
    content = client.get(opportunity.get_absolute_url()).content.decode()
    assert url in content
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "%E8%B4%A8%E6%A3%80%E6%8A%A5%E5%91%8A.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    active = client.get(reverse("activities:attachment_download", args=[page.pk]))
    assert active["Content-Type"] == "application/octet-stream"
    assert active["Content-Disposition"].startswith("attachment;")

    client.force_login(team_users["zhaolei"])
    assert client.get(url).status_code == 404
    client.force_login(team_users["chenjing"])  # same team, not the owner, not a manager
    assert client.get(url).status_code == 404
    client.force_login(team_users["liming"])
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_bad_input_is_answered_with_a_message_and_nothing_is_written(
    client, deal, team_users, make_opportunity
):
    opportunity, _wangfang = deal
    client.force_login(team_users["wangqiang"])
    base = {"opportunity": opportunity.pk}

    response = client.post(CREATE, {**base, "kind": "task", "subject": ""})
    assert response.status_code == 200 and "Give the task a subject." in _text(response)
    assert 'data-testid="form-task"' in response.content.decode()

    response = client.post(CREATE, {**base, "kind": "task", "subject": ""}, **HTMX)
    assert response.status_code == 200 and "Give the task a subject." in _text(response)
    assert "HX-Trigger" not in response and "<html" not in response.content.decode()

    start = _local(2, 14)
    response = client.post(
        CREATE,
        {
            **base,
            "kind": "meeting",
            "subject": "面谈",
            "starts_at": _field(start),
            "ends_at": _field(start - datetime.timedelta(hours=1)),
        },
    )
    assert "The end is before the start." in _text(response)

    response = client.post(CREATE, {**base, "kind": "call", "subject": "电话", "starts_at": ""})
    assert "When is it?" in _text(response)

    response = client.post(
        CREATE,
        {**base, "kind": "call", "subject": "电话", "starts_at": "tomorrow-ish", "reminders": "7"},
    )
    content = _text(response)
    assert "Enter a valid date/time." in content and "Select a valid choice." in content

    assert client.post(CREATE, {**base, "kind": "email", "subject": "x"}).status_code == 404
    theirs = make_opportunity(owner=team_users["zhaolei"])
    response = client.post(CREATE, {"kind": "note", "opportunity": theirs.pk, "body": "x"})
    assert response.status_code == 404
    assert not Activity.objects.exists()


# --- edit, complete, delete ---------------------------------------------------------------


def test_meeting_updated_afterwards_and_a_stale_edit_changes_nothing(client, deal, team_users):
    opportunity, wangfang = deal
    rep = team_users["wangqiang"]
    start = _local(-1, 14)
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="与王芳面谈",
        starts_at=start,
        location="新城百货总部",
        attendee_contacts=[wangfang],
    )
    client.force_login(rep)
    url = reverse("activities:activity_detail", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()
    data = {
        "version": 1,
        "subject": "与王芳面谈",
        "starts_at": _field(start),
        "ends_at": _field(start + datetime.timedelta(hours=1)),
        "location": "新城百货总部",
        "status": "held",
        "attendee_contacts": [wangfang.pk],
        "body": "",
        "minutes": "同意设立专柜；两周内提交供应链管理报告",
        "next": opportunity.get_absolute_url(),
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes, meeting.version) == (
        "held",
        "同意设立专柜；两周内提交供应链管理报告",
        2,
    )
    assert meeting.completed_at is not None
    assert list(meeting.participants.values_list("contact_id", flat=True)) == [wangfang.pk]

    stale = client.post(url, {**data, "minutes": "另一个版本"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in _text(stale)
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.version) == ("同意设立专柜；两周内提交供应链管理报告", 2)

    # Inline, with htmx: the form in place, a stale save answered in place.
    inline = client.get(reverse("activities:activity_edit", args=[meeting.pk]), **HTMX)
    assert inline.status_code == 200 and 'data-testid="timeline-edit"' in inline.content.decode()
    plain = client.get(reverse("activities:activity_edit", args=[meeting.pk]))
    assert plain.status_code == 302 and plain["Location"].startswith(url)
    stale = client.post(url, {**data, "minutes": "另一个版本"}, **HTMX)
    assert stale.status_code == 409 and 'data-testid="timeline-edit"' in stale.content.decode()
    saved = client.post(url, {**data, "version": 2, "location": "线上会议"}, **HTMX)
    assert saved.status_code == 200 and saved["HX-Trigger"] == "activity-changed"
    assert "Changes saved." in _text(saved)
    meeting.refresh_from_db()
    assert (meeting.location, meeting.version) == ("线上会议", 3)


def test_complete_and_delete_check_the_version(client, deal, team_users):
    opportunity, _wangfang = deal
    rep = team_users["wangqiang"]
    task = activity_create(
        actor=rep,
        kind="task",
        opportunity=opportunity,
        subject="准备供应链管理报告",
        starts_at=_local(7, 17),
        reminders=[60],
    )
    client.force_login(rep)
    complete = reverse("activities:activity_complete", args=[task.pk])
    delete = reverse("activities:activity_delete", args=[task.pk])
    back = opportunity.get_absolute_url() + "#timeline"

    response = client.post(complete, {"version": 1, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    task.refresh_from_db()
    assert (task.status, task.version) == ("completed", 2)
    assert list(task.reminders.values_list("status", flat=True)) == ["cancelled"]

    response = client.post(complete, {"version": 1}, follow=True)
    assert "Someone else changed this record" in _text(response)
    response = client.post(complete, {"version": 1}, **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#activity-messages"
    assert "Someone else changed this record" in _text(response)

    response = client.post(delete, {"version": 1}, follow=True)
    assert "Someone else changed this record" in _text(response)
    assert Activity.objects.filter(pk=task.pk).exists()
    response = client.post(delete, {"version": 2}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "activity-changed"
    assert "Deleted." in _text(response)
    assert not Activity.objects.filter(pk=task.pk).exists()

    note = activity_create(actor=rep, kind="note", opportunity=opportunity, body="王芳的顾虑")
    response = client.post(
        reverse("activities:activity_complete", args=[note.pk]), {"version": 1}, follow=True
    )
    assert "Only calls, meetings and tasks can be completed." in _text(response)
    note.refresh_from_db()
    assert note.version == 1


# --- visibility ---------------------------------------------------------------------------


def test_others_activities_are_404_and_missing_from_lists(
    client, deal, team_users, make_opportunity
):
    opportunity, _wangfang = deal
    rep, outsider = team_users["wangqiang"], team_users["zhaolei"]
    call = activity_create(
        actor=rep, kind="call", opportunity=opportunity, subject="秘密电话", starts_at=_local(-1)
    )
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="邀请外人的会议",
        starts_at=_local(1),
        attendee_users=[outsider],
    )
    client.force_login(outsider)
    for name in ("activity_detail", "activity_edit"):
        assert client.get(reverse(f"activities:{name}", args=[call.pk])).status_code == 404
    for name in ("activity_complete", "activity_delete"):
        url = reverse(f"activities:{name}", args=[call.pk])
        assert client.post(url, {"version": 1}).status_code == 404
    timeline = reverse("activities:timeline") + f"?opportunity={opportunity.pk}"
    assert client.get(timeline, **HTMX).status_code == 404
    listed = _text(client.get(LIST))
    assert "秘密电话" not in listed and "邀请外人的会议" in listed
    # Invited, they read the meeting but may not change it.
    detail = reverse("activities:activity_detail", args=[meeting.pk])
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"version": 1, "subject": "改"}).status_code == 403
    assert (
        client.post(
            reverse("activities:activity_delete", args=[meeting.pk]), {"version": 1}
        ).status_code
        == 403
    )
    assert Activity.objects.filter(pk=meeting.pk, subject="邀请外人的会议").exists()

    client.force_login(team_users["liming"])
    assert client.get(reverse("activities:activity_detail", args=[call.pk])).status_code == 200
    assert "秘密电话" in _text(client.get(LIST))


# --- the timeline on the pages ------------------------------------------------------------


def test_timeline_filter_and_more_with_and_without_htmx(client, deal, team_users):
    opportunity, _wangfang = deal
    rep = team_users["wangqiang"]
    call = activity_create(
        actor=rep, kind="call", opportunity=opportunity, subject="电话", starts_at=_local(-40)
    )
    notes = [
        activity_create(actor=rep, kind="note", opportunity=opportunity, body=f"记录 {n}")
        for n in range(34)
    ]
    client.force_login(rep)
    base = reverse("activities:timeline") + f"?opportunity={opportunity.pk}"

    calls = client.get(base + "&kind=call", **HTMX)
    assert calls.status_code == 200 and _entries(calls.content.decode()) == [("call", call.pk)]

    first = client.get(base, **HTMX).content.decode()
    assert len(_entries(first)) == 30 and 'data-testid="timeline-more"' in first
    more_url = html.unescape(
        re.search(r'hx-get="([^"]+)"[^>]*data-testid="timeline-more"', first)[1]
    )
    rest = client.get(more_url, **HTMX).content.decode()
    assert 'data-testid="timeline-more"' not in rest and "<ol" not in rest
    seen = _entries(first) + _entries(rest)
    assert len(seen) == 36 and len(set(seen)) == 36  # 34 notes, the call, the creation row
    assert seen[-2:] == [("change", None), ("call", call.pk)]
    assert {pk for kind, pk in seen if kind == "note"} == {note.pk for note in notes}

    # Without JavaScript: the same pages as links on the opportunity page itself.
    plain_more = re.search(r'href="([^"]+)"[^>]*data-testid="timeline-more"', first)[1]
    assert plain_more.startswith(opportunity.get_absolute_url() + "?")
    second = client.get(html.unescape(plain_more)).content.decode()
    assert _entries(second) == _entries(rest)
    filtered = client.get(opportunity.get_absolute_url() + "?kind=change").content.decode()
    assert _entries(filtered) == [("change", None)]
    assert client.get(base).status_code == 302
    broken = client.get(opportunity.get_absolute_url() + "?cursor=garbage")
    assert len(_entries(broken.content.decode())) == 30


def test_detail_page_queries_do_not_grow_with_the_timeline(client, deal, team_users):
    opportunity, wangfang = deal
    rep, manager = team_users["wangqiang"], team_users["liming"]

    def add(index):
        activity_create(
            actor=rep,
            kind="meeting",
            opportunity=opportunity,
            subject=f"会议 {index}",
            starts_at=_local(index % 5, 9 + index % 8),
            attendee_users=[manager],
            attendee_contacts=[wangfang],
            reminders=[15],
        )
        activity_create(
            actor=rep,
            kind="note",
            opportunity=opportunity,
            body=f"记录 {index}",
            attachments=[SimpleUploadedFile(f"{index}.txt", b"x", "text/plain")],
        )
        activity_create(
            actor=rep,
            kind="task",
            opportunity=opportunity,
            subject=f"任务 {index}",
            starts_at=_local(index % 3),
            owner=team_users["chenjing"],
        )

    add(0)
    client.force_login(manager)
    url = opportunity.get_absolute_url()
    few = queries_of(lambda: client.get(url))
    for index in range(1, 12):
        add(index)
    connection.queries_log.clear()
    many = queries_of(lambda: client.get(url))
    assert many == few <= 16


def test_account_and_contact_pages_have_the_timeline_and_add_forms(client, deal, team_users):
    opportunity, wangfang = deal
    rep = team_users["wangqiang"]
    client.force_login(rep)
    account_url = opportunity.account.get_absolute_url()
    page = client.get(account_url).content.decode()
    assert 'data-testid="form-note"' in page and 'data-testid="form-task"' in page
    assert _entries(page) == [("change", None)]

    response = client.post(
        CREATE,
        {
            "kind": "note",
            "account": opportunity.account.pk,
            "body": "新城百货年度计划",
            "next": account_url,
        },
    )
    assert response.status_code == 302 and response["Location"] == account_url
    response = client.post(
        CREATE,
        {
            "kind": "task",
            "contact": wangfang.pk,
            "subject": "给王芳寄样品",
            "starts_at": _field(_local(2)),
        },
        **HTMX,
    )
    assert response.status_code == 200
    note = Activity.objects.get(kind="note")
    task = Activity.objects.get(kind="task")
    assert (note.account, note.opportunity, note.contact) == (opportunity.account, None, None)
    assert (task.contact, task.account) == (wangfang, opportunity.account)

    account_page = client.get(account_url).content.decode()
    assert ("note", note.pk) in _entries(account_page) and ("task", task.pk) in _entries(
        account_page
    )
    contact_page = client.get(wangfang.get_absolute_url()).content.decode()
    assert _entries(contact_page) == [("task", task.pk)]
    assert 'data-testid="planned-item"' in contact_page
    assert 'data-kind="change"' not in contact_page  # a contact has no deal history filter
    # The account page's queries do not grow with its timeline.
    few = queries_of(lambda: client.get(account_url))
    for index in range(8):
        activity_create(actor=rep, kind="note", account=opportunity.account, body=f"记 {index}")
    assert queries_of(lambda: client.get(account_url)) == few


# --- the list -----------------------------------------------------------------------------


def test_list_filters_pages_and_bounded_queries(
    client, deal, team_users, make_opportunity, settings
):
    opportunity, _wangfang = deal
    rep, colleague, manager = (
        team_users["wangqiang"],
        team_users["chenjing"],
        team_users["liming"],
    )
    theirs = make_opportunity(owner=team_users["zhaolei"], name="北方")
    colleagues = make_opportunity(owner=colleague, name="陈静的单子")
    activity_create(
        actor=rep, kind="call", opportunity=opportunity, subject="电话一", starts_at=_local(-3)
    )
    activity_create(
        actor=rep, kind="call", opportunity=opportunity, subject="电话二", starts_at=_local(-1)
    )
    done = activity_create(
        actor=colleague,
        kind="task",
        opportunity=colleagues,
        subject="已完成任务",
        starts_at=_local(-2),
    )
    activity_complete(activity=done, actor=colleague, version=1)
    activity_create(
        actor=colleague, kind="task", opportunity=colleagues, subject="待办", starts_at=_local(2)
    )
    activity_create(
        actor=team_users["zhaolei"],
        kind="call",
        opportunity=theirs,
        subject="北方电话",
        starts_at=_local(-1),
    )

    def subjects(query="") -> list[str]:
        response = client.get(LIST + query)
        assert response.status_code == 200
        return [activity.subject for activity in response.context["page"].items]

    client.force_login(manager)
    assert subjects() == ["待办", "电话二", "已完成任务", "电话一"]
    assert subjects("?kind=call") == ["电话二", "电话一"]
    assert subjects("?kind=task&status=open") == ["待办"]
    assert subjects("?status=completed") == ["已完成任务"]
    assert subjects(f"?owner={colleague.pk}") == ["待办", "已完成任务"]
    assert subjects(f"?opportunity={opportunity.pk}") == ["电话二", "电话一"]
    hidden = client.get(LIST + f"?opportunity={theirs.pk}")  # not theirs to ask about
    assert hidden.context["page"] is None and "北方" not in _text(hidden)
    day = timezone.localdate()
    window = (
        f"?date_from={day - datetime.timedelta(days=2)}&date_to={day - datetime.timedelta(days=1)}"
    )
    assert subjects(window) == ["电话二", "已完成任务"]
    assert subjects("?sort=time")[0] == "电话一"
    client.force_login(rep)
    assert subjects("?mine=true") == ["电话二", "电话一"]
    bad = client.get(LIST + "?date_from=not-a-date")
    assert bad.context["page"] is None and "Fix the filters" in _text(bad)

    # Keyset pages visit everything once; the queries do not grow with the rows.
    client.force_login(manager)
    settings.PAGE_SIZE = 3
    for index in range(7):
        activity_create(actor=rep, kind="note", opportunity=opportunity, body=f"记录 {index}")
    seen, url = [], LIST
    while url:
        response = client.get(url)
        seen += [activity.pk for activity in response.context["page"].items]
        url = next_url(response)
    assert len(seen) == len(set(seen)) == 11
    few = queries_of(lambda: client.get(LIST))
    settings.PAGE_SIZE = 11
    assert queries_of(lambda: client.get(LIST)) == few


# --- my work ------------------------------------------------------------------------------


def test_my_work_buckets_under_a_controlled_clock(client, deal, team_users):
    opportunity, _wangfang = deal
    rep, manager = team_users["wangqiang"], team_users["liming"]

    def at(day, hour):
        return datetime.datetime(2026, 3, day, hour, 0, tzinfo=SHANGHAI)

    with time_machine.travel(at(4, 9), tick=False):
        made = {}

        def task(name, due, **fields):
            made[name] = activity_create(
                actor=rep,
                kind="task",
                opportunity=opportunity,
                subject=name,
                starts_at=due,
                **fields,
            )

        task("昨天到期", at(3, 17))
        task("上周到期", at(1, 9))
        task("已完成的逾期", at(2, 17), status="completed")
        task("今天到期", at(4, 18))
        task("下周二", at(10, 12))
        task("太远", at(13, 12))
        made["今天电话"] = activity_create(
            actor=rep, kind="call", opportunity=opportunity, subject="今天电话", starts_at=at(4, 15)
        )
        made["早上会议"] = activity_create(
            actor=rep,
            kind="meeting",
            opportunity=opportunity,
            subject="早上会议",
            starts_at=at(4, 8),
            status="held",
        )
        made["明天会议"] = activity_create(
            actor=manager,
            kind="meeting",
            opportunity=opportunity,
            subject="明天会议",
            starts_at=at(5, 10),
            attendee_users=[rep],
        )
        activity_create(
            actor=manager,
            kind="task",
            opportunity=opportunity,
            subject="李明自己的",
            starts_at=at(4, 11),
        )
        mine = opportunity_assign(
            opportunity=opportunity, owner=team_users["chenjing"], actor=manager, version=1
        )
        opportunity_assign(opportunity=mine, owner=rep, actor=manager, version=mine.version)
        Notification.objects.create(
            recipient=rep,
            actor=manager,
            verb="assigned",
            params={"actor": "李明", "name": "早已读过的"},
            read_at=timezone.now(),
        )

        client.force_login(rep)
        assert client.get("/")["Location"] == reverse("activities:my_work")
        response = client.get(reverse("activities:my_work"))
        work = response.context["work"]
        assert work.today == datetime.date(2026, 3, 4)
        assert [a.subject for a in work.overdue_tasks] == ["上周到期", "昨天到期"]
        assert [a.subject for a in work.today_tasks] == ["今天到期"]
        assert [a.subject for a in work.today_events] == ["早上会议", "今天电话"]
        assert [a.subject for a in work.week_ahead] == ["明天会议", "下周二"]
        assert [n.text for n in work.notifications] == [
            "李明 assigned you the opportunity “新城百货合作项目”."
        ]
        content = _text(response)
        assert "李明 assigned you the opportunity “新城百货合作项目”." in content
        for testid in ("overdue-tasks", "today-tasks", "today-events", "week-ahead"):
            assert f'data-testid="{testid}"' in content

        # "Done" from my work: back to my work, the task leaves the overdue bucket.
        overdue = made["昨天到期"]
        response = client.post(
            reverse("activities:activity_complete", args=[overdue.pk]),
            {"version": 1, "next": reverse("activities:my_work")},
        )
        assert response["Location"] == reverse("activities:my_work")
        work = client.get(reverse("activities:my_work")).context["work"]
        assert [a.subject for a in work.overdue_tasks] == ["上周到期"]

    with time_machine.travel(at(5, 9), tick=False):
        work = client.get(reverse("activities:my_work")).context["work"]
        assert [a.subject for a in work.overdue_tasks] == ["上周到期", "今天到期"]
        assert [a.subject for a in work.today_events] == ["明天会议"]


def test_admin_shows_activities_read_only(client, deal, team_users):
    opportunity, wangfang = deal
    meeting = activity_create(
        actor=team_users["wangqiang"],
        kind="meeting",
        opportunity=opportunity,
        subject="与王芳面谈",
        starts_at=_local(1),
        attendee_contacts=[wangfang],
        reminders=[15],
    )
    client.force_login(team_users["admin"])
    listing = client.get(reverse("admin:activities_activity_changelist"))
    assert listing.status_code == 200 and "与王芳面谈" in _text(listing)
    page = client.get(reverse("admin:activities_activity_change", args=[meeting.pk]))
    assert page.status_code == 200 and "王芳" in _text(page)
    assert client.get(reverse("admin:activities_activity_add")).status_code == 403


def test_logged_e_mails_are_on_the_timeline_and_have_their_page(client, deal, team_users):
    from shangji.activities.mail.services import email_import

    opportunity, wangfang = deal
    rep = team_users["wangqiang"]
    raw = (
        "From: =?utf-8?b?546L6Iqz?= <wangfang@xincheng.example>\r\n"
        "To: wangqiang@example.com\r\n"
        "Subject: =?utf-8?b?5YWz5LqO5L6b5bqU6ZO+566h55CG?=\r\n"
        "Date: Mon, 02 Mar 2026 09:30:00 +0800\r\n"
        "Message-ID: <supply-chain@xincheng.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "请介绍一下补货周期。\r\n"
    ).encode()
    message = email_import(actor=rep, raw=raw, opportunity=opportunity)
    client.force_login(rep)
    page = client.get(opportunity.get_absolute_url())
    assert ("email", message.pk) in _entries(page.content.decode())
    filtered = client.get(opportunity.get_absolute_url() + "?kind=email").content.decode()
    assert _entries(filtered) == [("email", message.pk)]
    assert 'data-testid="mail-compose"' in page.content.decode()
    detail = client.get(reverse("activities:activity_detail", args=[message.pk]))
    content = _text(detail)
    assert detail.status_code == 200 and "关于供应链管理" in content
    assert "请介绍一下补货周期。" in content and "wangfang@xincheng.example" in content
    assert detail.context["form"] is None  # e-mails are kept as they were received
    contact_page = client.get(wangfang.get_absolute_url()).content.decode()
    assert ("email", message.pk) in _entries(contact_page)
