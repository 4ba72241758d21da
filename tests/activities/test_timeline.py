"""The timeline selector: one stream of activities and history rows, keyset-paged."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shangji.activities.models import Activity
from shangji.activities.selectors import activity_timeline
from shangji.activities.services import activity_create
from shangji.opportunities.models import OpportunityChange
from shangji.opportunities.services import (
    opportunity_assign,
    opportunity_move_stage,
    opportunity_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _day(days: int, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _backdate_last_change(opportunity, moment) -> OpportunityChange:
    change = OpportunityChange.objects.filter(opportunity=opportunity).order_by("-id").first()
    OpportunityChange.objects.filter(pk=change.pk).update(changed_at=moment)
    change.changed_at = moment
    return change


def _at(activity, moment) -> Activity:
    Activity.objects.filter(pk=activity.pk).update(occurred_at=moment)
    activity.occurred_at = moment
    return activity


@pytest.fixture
def story(make_opportunity, team_users, stages):
    """A deal with history rows and activities at known times, ten days apart at most."""
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity = make_opportunity(owner=rep, name="新城百货合作项目")
    rows = {"created": _backdate_last_change(opportunity, _day(-10))}
    rows["call"] = activity_create(
        actor=rep,
        kind="call",
        opportunity=opportunity,
        subject="周例会电话",
        status="held",
        starts_at=_day(-8),
        body="摆放位置和营销推广计划",
    )
    opportunity = opportunity_move_stage(
        opportunity=opportunity, stage=stages["Needs Analysis"], actor=rep, version=1
    )
    rows["stage"] = _backdate_last_change(opportunity, _day(-5))
    rows["meeting"] = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="面谈",
        starts_at=_day(-4, 14),
        location="新城百货总部",
    )
    opportunity = opportunity_update(
        opportunity=opportunity,
        actor=rep,
        version=opportunity.version,
        close_date=opportunity.close_date + datetime.timedelta(days=30),
    )
    rows["close_date"] = _backdate_last_change(opportunity, _day(-3))
    opportunity = opportunity_assign(
        opportunity=opportunity, owner=team_users["chenjing"], actor=manager, version=3
    )
    rows["owner"] = _backdate_last_change(opportunity, _day(-2))
    rep = team_users["chenjing"]  # the deal's owner from now on
    rows["note"] = _at(
        activity_create(
            actor=rep, kind="note", opportunity=opportunity, body="王芳关注供应链和质量控制"
        ),
        _day(-1),
    )
    rows["task"] = activity_create(
        actor=rep,
        kind="task",
        opportunity=opportunity,
        subject="准备供应链管理报告",
        starts_at=_day(3, 17),
        reminders=[1440],
    )
    return opportunity, rows


def _ids(entries) -> list[tuple[str, int]]:
    return [(entry.kind, (entry.activity or entry.change).pk) for entry in entries]


def _expected(rows, *names) -> list[tuple[str, int]]:
    return [
        (
            "change" if isinstance(rows[name], OpportunityChange) else rows[name].kind,
            rows[name].pk,
        )
        for name in names
    ]


def test_activities_and_history_merge_newest_first(story, team_users):
    opportunity, rows = story
    page = activity_timeline(user=team_users["liming"], opportunity=opportunity)
    assert _ids(page.entries) == _expected(
        rows, "task", "note", "owner", "close_date", "meeting", "stage", "call", "created"
    )
    assert page.next_cursor is None
    assert [entry.occurred_at for entry in page.entries] == sorted(
        (entry.occurred_at for entry in page.entries), reverse=True
    )
    by_kind = {entry.kind: entry for entry in page.entries}
    assert by_kind["change"].activity is None and by_kind["call"].change is None
    creation = page.entries[-1].change
    assert creation.is_creation and creation.stage.name == "Prospecting"
    moved = page.entries[5].change
    assert (moved.previous_stage.name, moved.stage.name) == ("Prospecting", "Needs Analysis")
    reassigned = page.entries[2].change
    assert (reassigned.previous_owner.username, reassigned.owner.username) == (
        "wangqiang",
        "chenjing",
    )


def test_kinds_filter_keeps_the_types_asked_for(story, team_users):
    opportunity, rows = story
    user = team_users["liming"]
    history = activity_timeline(user=user, opportunity=opportunity, kinds=["change"])
    assert _ids(history.entries) == _expected(rows, "owner", "close_date", "stage", "created")
    assert history.planned == []
    talks = activity_timeline(user=user, opportunity=opportunity, kinds=["call", "meeting"])
    assert _ids(talks.entries) == _expected(rows, "meeting", "call")
    assert activity_timeline(user=user, opportunity=opportunity, kinds=["email"]).entries == []
    assert activity_timeline(user=user, opportunity=opportunity, kinds=["bogus"]).entries == []


def test_planned_is_open_work_soonest_first_on_the_first_page_only(story, team_users):
    opportunity, rows = story
    rep = team_users["chenjing"]
    overdue = activity_create(
        actor=rep, kind="task", opportunity=opportunity, subject="寄样品", starts_at=_day(-2)
    )
    upcoming_call = activity_create(
        actor=rep, kind="call", opportunity=opportunity, subject="回访", starts_at=_day(1)
    )
    activity_create(
        actor=rep,
        kind="task",
        opportunity=opportunity,
        subject="已完成",
        starts_at=_day(2),
        status="completed",
    )
    page = activity_timeline(user=rep, opportunity=opportunity, size=4)
    # The meeting four days ago is still "planned" but past: it is not upcoming work.
    assert [activity.pk for activity in page.planned] == [
        overdue.pk,
        upcoming_call.pk,
        rows["task"].pk,
    ]
    assert page.next_cursor is not None
    second = activity_timeline(user=rep, opportunity=opportunity, size=4, cursor=page.next_cursor)
    assert second.planned == []
    tasks_only = activity_timeline(user=rep, opportunity=opportunity, kinds=["task"])
    assert [activity.pk for activity in tasks_only.planned] == [overdue.pk, rows["task"].pk]


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_cursor_pages_visit_every_entry_once(story, team_users, size):
    opportunity, rows = story
    rep = team_users["chenjing"]
    # Same-moment rows: two activities and a history row at one instant.
    moment = _day(-6)
    for subject in ("同一时刻 A", "同一时刻 B"):
        _at(
            activity_create(actor=rep, kind="note", opportunity=opportunity, body=subject),
            moment,
        )
    OpportunityChange.objects.filter(pk=rows["stage"].pk).update(changed_at=moment)
    everything = activity_timeline(user=rep, opportunity=opportunity, size=100).entries
    assert len(everything) == 10
    seen, cursor, pages = [], None, 0
    while True:
        page = activity_timeline(user=rep, opportunity=opportunity, size=size, cursor=cursor)
        assert len(page.entries) <= size
        seen += _ids(page.entries)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == _ids(everything)
    assert len(set(seen)) == len(seen) == 10
    assert pages == -(-10 // size)


def test_bad_cursor_is_a_value_error(story, team_users):
    opportunity, _rows = story
    with pytest.raises(ValueError):
        activity_timeline(user=team_users["wangqiang"], opportunity=opportunity, cursor="nope")
    with pytest.raises(ValueError):
        activity_timeline(user=team_users["wangqiang"])


def test_visibility_of_activities_and_history(story, team_users, make_opportunity):
    opportunity, rows = story
    outsider = team_users["zhaolei"]
    assert activity_timeline(user=outsider, opportunity=opportunity).entries == []
    # Invited to the meeting, the outsider sees that meeting and nothing else of the deal.
    rows["meeting"].participants.create(user=outsider)
    page = activity_timeline(user=outsider, opportunity=opportunity)
    assert _ids(page.entries) == _expected(rows, "meeting")
    # On the account: the reps' own deals' history, not the other team's.
    theirs = make_opportunity(owner=outsider, account=opportunity.account, name="北方")
    activity_create(actor=outsider, kind="note", opportunity=theirs, body="秘密")
    account_page = activity_timeline(user=team_users["chenjing"], account=opportunity.account)
    deals = {entry.change.opportunity_id for entry in account_page.entries if entry.change}
    assert deals == {opportunity.pk}
    assert "秘密" not in [entry.activity.body for entry in account_page.entries if entry.activity]
    everyone = activity_timeline(user=team_users["zhangyue"], account=opportunity.account)
    assert {entry.change.opportunity_id for entry in everyone.entries if entry.change} == {
        opportunity.pk,
        theirs.pk,
    }


def test_contact_timeline_has_their_activities_and_meetings_they_attend(
    make_opportunity, team_users
):
    from shangji.contacts.services import contact_create

    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    wangfang = contact_create(
        actor=rep, account=opportunity.account, last_name="王", first_name="芳"
    )
    liu = contact_create(actor=rep, account=opportunity.account, last_name="刘")
    call = activity_create(
        actor=rep,
        kind="call",
        opportunity=opportunity,
        contact=wangfang,
        subject="电话",
        starts_at=_day(-2),
    )
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="面谈",
        starts_at=_day(-1),
        attendee_contacts=[wangfang, liu],
    )
    activity_create(actor=rep, kind="note", contact=liu, body="只和刘有关")
    page = activity_timeline(user=rep, contact=wangfang)
    assert [entry.activity.pk for entry in page.entries] == [meeting.pk, call.pk]
    assert all(entry.kind != "change" for entry in page.entries)
    assert len(activity_timeline(user=rep, contact=liu).entries) == 2


def _count(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_queries_do_not_grow_with_the_page(story, team_users):
    opportunity, _rows = story
    rep, manager = team_users["chenjing"], team_users["liming"]

    def read(size):
        page = activity_timeline(user=manager, opportunity=opportunity, size=size)
        for entry in page.entries:
            if entry.activity:
                shown = [entry.activity.owner.display_name, entry.activity.opportunity.name]
                shown += [str(p) for p in entry.activity.participants.all()]
                shown += [a.filename for a in entry.activity.attachments.all()]
                shown.append(getattr(entry.activity, "email", None))
            else:
                change = entry.change
                shown = [change.stage.label, change.actor, change.previous_owner]
                shown.append(change.previous_stage and change.previous_stage.label)
        return page

    read(5)  # the organisation's settings are read once per user object
    few = _count(lambda: read(5))
    for index in range(15):
        activity_create(
            actor=rep,
            kind="meeting",
            opportunity=opportunity,
            subject=f"会议 {index}",
            starts_at=_day(-20 + index),
            attendee_users=[manager],
            attendee_contacts=[],
        )
        activity_create(
            actor=rep,
            kind="note",
            opportunity=opportunity,
            body=f"附件 {index}",
            attachments=[SimpleUploadedFile(f"{index}.txt", b"x", content_type="text/plain")],
        )
    many = _count(lambda: read(30))
    assert many == few <= 5
