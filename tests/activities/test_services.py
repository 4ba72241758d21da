import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shangji.activities.models import Activity, Reminder
from shangji.activities.services import (
    activity_complete,
    activity_create,
    activity_delete,
    activity_update,
)
from shangji.core.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db


def _at(days=1, hour=10):
    now = timezone.localtime()
    return (now + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def test_call_defaults_and_links(make_opportunity, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    call = activity_create(
        actor=rep,
        kind="call",
        opportunity=opportunity,
        subject="周例会电话",
        starts_at=_at(-1),
        body="讨论了摆放位置",
    )
    assert (call.status, call.direction, call.duration_minutes) == ("planned", "outbound", 15)
    assert call.ends_at - call.starts_at == datetime.timedelta(minutes=15)
    assert call.account_id == opportunity.account_id and call.occurred_at == call.starts_at
    assert call.owner == rep and call.version == 1


def test_meeting_reminders_for_owner_and_invited_users_move_and_cancel(
    make_opportunity, team_users
):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity = make_opportunity(owner=rep)
    start = _at(3, 14)
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="与王芳面谈",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        location="新城百货总部",
        attendee_users=[manager],
        reminders=[15, 1440],
    )
    rows = {(r.recipient.username, r.minutes_before): r.remind_at for r in meeting.reminders.all()}
    assert rows == {
        ("wangqiang", 15): start - datetime.timedelta(minutes=15),
        ("wangqiang", 1440): start - datetime.timedelta(days=1),
        ("liming", 15): start - datetime.timedelta(minutes=15),
        ("liming", 1440): start - datetime.timedelta(days=1),
    }
    later = start + datetime.timedelta(days=1)
    meeting = activity_update(
        activity=meeting,
        actor=rep,
        version=1,
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=1),
    )
    assert {r.remind_at for r in meeting.reminders.all()} == {
        later - datetime.timedelta(minutes=15),
        later - datetime.timedelta(days=1),
    }
    assert meeting.duration_minutes == 60
    activity_complete(activity=meeting, actor=rep, version=2)
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}


def test_task_completion_and_bad_input(make_opportunity, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    task = activity_create(
        actor=rep,
        kind="task",
        opportunity=opportunity,
        subject="准备供应链报告",
        starts_at=_at(7),
        reminders=[60],
    )
    assert (task.status, task.priority, task.completed_at) == ("not_started", "medium", None)
    done = activity_complete(activity=task, actor=rep, version=1)
    assert done.status == "completed" and done.completed_at is not None
    with pytest.raises(ValidationError) as error:
        activity_create(actor=rep, kind="task", opportunity=opportunity, subject="")
    assert "subject" in error.value.message_dict
    with pytest.raises(ValidationError):
        activity_create(
            actor=rep,
            kind="call",
            opportunity=opportunity,
            subject="x",
            starts_at=_at(),
            reminders=[7],
        )
    with pytest.raises(ValidationError):
        activity_create(
            actor=rep,
            kind="meeting",
            opportunity=opportunity,
            subject="x",
            starts_at=_at(),
            ends_at=_at(0, 1),
        )
    assert Activity.objects.count() == 1


def test_visibility_follows_the_opportunity(make_opportunity, team_users):
    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    opportunity = make_opportunity(owner=rep)
    note = activity_create(actor=rep, kind="note", opportunity=opportunity, body="王芳关注供应链")
    assert list(Activity.objects.visible_to(rep)) == [note]
    assert list(Activity.objects.visible_to(other)) == []
    assert list(Activity.objects.visible_to(team_users["liming"])) == [note]
    with pytest.raises(PermissionDeniedError):
        activity_create(actor=other, kind="note", opportunity=opportunity, body="x")
    with pytest.raises(PermissionDeniedError):
        activity_delete(activity=note, actor=other)
    activity_delete(activity=note, actor=rep)
    assert not Activity.objects.exists()
