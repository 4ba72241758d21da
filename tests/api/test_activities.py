import datetime

import pytest
from django.test import Client

from shangji.activities.models import Activity, ActivityParticipant, Reminder
from shangji.activities.services import activity_create
from shangji.api.activity_schemas import attachment_url
from shangji.contacts.services import contact_create
from tests.api.conftest import ACTIVITY_FIELDS

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
START = datetime.datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _z(value: datetime.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def deal(make_opportunity, team_users):
    """王强's opportunity at 新城百货, with 王芳 as a contact there."""
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="春季订货")
    contact = contact_create(
        actor=rep, account=opportunity.account, last_name="王", first_name="芳"
    )
    return opportunity, contact


def test_call_create_read_change_delete(api_as, team_users, deal):
    rep = team_users["wangqiang"]
    opportunity, contact = deal
    client = api_as(rep)
    response = client.post(
        "/activities",
        {
            "kind": "call",
            "subject": "确认样品",
            "body": "王芳要求下周寄样",
            "direction": "inbound",
            "starts_at": _z(START),
            "duration_minutes": 20,
            "opportunity": opportunity.pk,
            "contact": contact.pk,
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == ACTIVITY_FIELDS
    call = Activity.objects.get()
    assert data["id"] == call.pk
    assert (data["kind"], data["subject"], data["body"]) == ("call", "确认样品", "王芳要求下周寄样")
    assert (data["status"], data["direction"], data["priority"]) == ("planned", "inbound", "")
    assert (data["starts_at"], data["ends_at"]) == (
        "2031-03-10T02:00:00Z",
        "2031-03-10T02:20:00Z",
    )
    assert data["occurred_at"] == "2031-03-10T02:00:00Z"
    assert data["duration_minutes"] == 20 and data["completed_at"] is None
    assert (data["owner"], data["owner_username"]) == (rep.pk, "wangqiang")
    assert (data["opportunity"], data["account"], data["contact"]) == (
        opportunity.pk,
        opportunity.account_id,
        contact.pk,
    )
    assert data["attendees"] == [] and data["reminders"] == [] and data["attachments"] == []
    assert data["email"] is None and data["version"] == 1
    assert data["created_at"].endswith("Z")

    assert client.get(f"/activities/{call.pk}").json() == data

    changed = client.patch(
        f"/activities/{call.pk}", {"version": 1, "status": "held", "minutes": "同意寄样"}
    )
    assert changed.status_code == 200, changed.json()
    changed = changed.json()
    assert (changed["status"], changed["minutes"], changed["version"]) == ("held", "同意寄样", 2)
    assert changed["completed_at"] is not None
    assert changed["subject"] == "确认样品" and changed["direction"] == "inbound"

    stale = client.delete(f"/activities/{call.pk}", version=1)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.delete(f"/activities/{call.pk}", version=2).status_code == 204
    assert not Activity.objects.exists()
    assert client.get(f"/activities/{call.pk}").status_code == 404


def test_meeting_with_attendees_and_reminders(api_as, team_users, deal):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity, contact = deal
    client = api_as(rep)
    response = client.post(
        "/activities",
        {
            "kind": "meeting",
            "subject": "与王芳面谈",
            "body": "议程：陈列方案",
            "starts_at": "2031-03-10T10:00:00",  # no offset: the caller's zone (Shanghai)
            "ends_at": "2031-03-10T11:30:00+08:00",
            "location": "新城百货总部",
            "opportunity": opportunity.pk,
            "attendee_users": [manager.pk],
            "attendee_contacts": [contact.pk],
            "reminders": [15, 1440],
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["starts_at"], data["ends_at"]) == (
        "2031-03-10T02:00:00Z",
        "2031-03-10T03:30:00Z",
    )
    assert data["duration_minutes"] == 90 and data["location"] == "新城百货总部"
    assert data["attendees"] == [
        {"user": manager.pk, "contact": None, "name": "李明"},
        {"user": None, "contact": contact.pk, "name": "王芳"},
    ]
    # Every offset for the assignee and the invited user, at the start minus the offset.
    day_before, quarter_before = "2031-03-09T02:00:00Z", "2031-03-10T01:45:00Z"
    expected = [
        {"minutes_before": minutes, "recipient": user.pk, "remind_at": at, "status": "pending"}
        for minutes, at in [(1440, day_before), (15, quarter_before)]
        for user in sorted([rep, manager], key=lambda user: user.pk)
    ]
    assert data["reminders"] == expected  # in the order they go off
    meeting = Activity.objects.get()
    assert {(r.recipient_id, r.minutes_before, r.remind_at) for r in Reminder.objects.all()} == {
        (rep.pk, 1440, START - datetime.timedelta(days=1)),
        (manager.pk, 1440, START - datetime.timedelta(days=1)),
        (rep.pk, 15, START - datetime.timedelta(minutes=15)),
        (manager.pk, 15, START - datetime.timedelta(minutes=15)),
    }

    # Moving the meeting moves its reminders; sending reminders/attendees replaces them.
    moved = client.patch(
        f"/activities/{meeting.pk}",
        {
            "version": 1,
            "starts_at": "2031-03-11T02:00:00Z",
            "ends_at": "2031-03-11T03:00:00Z",
            "reminders": [30],
            "attendee_users": [],
        },
    ).json()
    assert moved["version"] == 2 and moved["duration_minutes"] == 60
    assert moved["attendees"] == [{"user": None, "contact": contact.pk, "name": "王芳"}]
    assert moved["reminders"] == [
        {
            "minutes_before": 30,
            "recipient": rep.pk,
            "remind_at": "2031-03-11T01:30:00Z",
            "status": "pending",
        }
    ]
    assert set(Reminder.objects.filter(status="pending").values_list("recipient", flat=True)) == {
        rep.pk
    }
    # Keys not sent stay as they were.
    assert moved["subject"] == "与王芳面谈" and moved["body"] == "议程：陈列方案"


def test_task_and_note(api_as, team_users, deal):
    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    opportunity, contact = deal
    client = api_as(rep)
    task = client.post(
        "/activities",
        {
            "kind": "task",
            "subject": "准备供应链报告",
            "body": "包括交期与库存",
            "priority": "high",
            "starts_at": _z(START),
            "owner": colleague.pk,
            "opportunity": opportunity.pk,
            "reminders": [60],
        },
    )
    assert task.status_code == 201, task.json()
    task = task.json()
    assert (task["status"], task["priority"]) == ("not_started", "high")
    assert (task["owner"], task["owner_username"]) == (colleague.pk, "chenjing")
    assert task["reminders"] == [
        {
            "minutes_before": 60,
            "recipient": colleague.pk,
            "remind_at": "2031-03-10T01:00:00Z",
            "status": "pending",
        }
    ]

    note = client.post(
        "/activities", {"kind": "note", "body": "王芳关注供应链", "contact": contact.pk}
    )
    assert note.status_code == 201, note.json()
    note = note.json()
    assert (note["kind"], note["status"], note["subject"]) == ("note", "", "")
    assert (note["opportunity"], note["account"], note["contact"]) == (
        None,
        opportunity.account_id,
        contact.pk,
    )
    assert note["starts_at"] is None and note["occurred_at"].endswith("Z")
    assert note["direction"] == "" and note["priority"] == ""
    edited = client.patch(f"/activities/{note['id']}", {"version": 1, "body": "王芳关注交期"})
    assert edited.json()["body"] == "王芳关注交期"


def test_complete_and_its_version(api_as, team_users, deal):
    rep = team_users["wangqiang"]
    opportunity, _contact = deal
    client = api_as(rep)
    task = client.post(
        "/activities",
        {
            "kind": "task",
            "subject": "寄样品",
            "starts_at": _z(START),
            "opportunity": opportunity.pk,
            "reminders": [5, 60],
        },
    ).json()
    stale = client.patch(f"/activities/{task['id']}", {"version": 1, "priority": "low"})
    assert stale.json()["version"] == 2

    conflict = client.post(f"/activities/{task['id']}/complete", {"version": 1})
    assert conflict.status_code == 409
    assert conflict.json()["current_version"] == 2
    assert conflict.json()["detail"].startswith("Someone else changed this record")

    done = client.post(f"/activities/{task['id']}/complete", {"version": 2})
    assert done.status_code == 200, done.json()
    done = done.json()
    assert (done["status"], done["version"]) == ("completed", 3)
    assert done["completed_at"] is not None
    assert done["reminders"] == []  # cancelled with the completion
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}

    call = client.post(
        "/activities",
        {"kind": "call", "subject": "回访", "starts_at": _z(START), "opportunity": opportunity.pk},
    ).json()
    held = client.post(f"/activities/{call['id']}/complete", {"version": 1}).json()
    assert held["status"] == "held"

    note = client.post("/activities", {"kind": "note", "body": "x", "opportunity": opportunity.pk})
    refused = client.post(f"/activities/{note.json()['id']}/complete", {"version": 1})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Only calls, meetings and tasks can be completed.",
        "errors": {"status": ["Only calls, meetings and tasks can be completed."]},
    }
    missing = client.post(f"/activities/{call['id']}/complete", {})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"version": ["This field is required."]}


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api_as, team_users, deal):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity, _contact = deal
    call = activity_create(
        actor=rep, kind="call", subject="电话", starts_at=START, opportunity=opportunity
    )
    first = api_as(manager).patch(f"/activities/{call.pk}", {"version": 1, "subject": "经理改"})
    assert first.status_code == 200
    second = api_as(rep).patch(f"/activities/{call.pk}", {"version": 1, "subject": "销售改"})
    assert second.status_code == 409
    assert second.json() == {
        "detail": "Someone else changed this record while you were editing it. Reload to see "
        "their changes, then apply yours again.",
        "current_version": 2,
    }
    call.refresh_from_db()
    assert (call.subject, call.version) == ("经理改", 2)


def _post_meeting(client, deal_, **overrides):
    body = {
        "kind": "meeting",
        "subject": "面谈",
        "starts_at": "2031-03-10T02:00:00Z",
        "ends_at": "2031-03-10T03:00:00Z",
        "opportunity": deal_.pk,
    }
    return client.post("/activities", {**body, **overrides})


INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    ("overrides", "status", "errors"),
    [
        ({"kind": "fax"}, 422, {"kind": None}),
        ({"kind": "email"}, 422, {"kind": None}),
        (
            {"ends_at": "2031-03-10T01:00:00Z"},
            400,
            {"ends_at": ["The end is before the start."]},
        ),
        ({"reminders": [7]}, 400, {"reminders": ["Choose reminder times from the list."]}),
        ({"subject": "", "kind": "task"}, 400, {"subject": ["Give the task a subject."]}),
        ({"subject": ""}, 400, {"subject": ["Give it a subject."]}),
        ({"kind": "call", "starts_at": None}, 400, {"starts_at": ["When is it?"]}),
        ({"kind": "task", "status": "held"}, 400, {"status": ["Choose a valid status."]}),
        ({"status": "lost"}, 422, {"status": None}),
        ({"starts_at": "tomorrow"}, 422, {"starts_at": ["Enter a valid date/time."]}),
        ({"duration_minutes": -5}, 422, {"duration_minutes": None}),
        ({"colour": "red"}, 422, {"colour": ["Extra inputs are not permitted"]}),
        ({"attendee_users": [999999]}, 400, {"attendee_users": [INVALID_CHOICE]}),
        ({"owner": 999999}, 400, {"owner": [INVALID_CHOICE]}),
        (
            {"opportunity": None},
            400,
            {
                name: ["Link it to an opportunity, an account, a contact or a lead."]
                for name in ("opportunity", "account", "contact", "lead")
            },
        ),
    ],
)
def test_validation_errors(api_as, team_users, deal, overrides, status, errors):
    opportunity, _contact = deal
    response = _post_meeting(api_as(team_users["wangqiang"]), opportunity, **overrides)
    assert response.status_code == status, response.json()
    data = response.json()
    assert set(data) == {"detail", "errors"}
    assert set(data["errors"]) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert data["errors"][field] == messages
    messages = [m for field_messages in data["errors"].values() for m in field_messages]
    assert data["detail"] == (
        messages[0] if len(messages) == 1 else "Please correct the errors below."
    )
    assert not Activity.objects.exists()


def test_validation_errors_in_chinese(api_as, team_users, deal):
    opportunity, _contact = deal
    client = api_as(team_users["wangqiang"], language="zh-hans")
    response = _post_meeting(client, opportunity, owner=999999)
    assert response.status_code == 400
    assert response.json()["errors"] == {"owner": ["请选择有效的选项。所选内容不在可选范围内。"]}
    response = _post_meeting(client, opportunity, starts_at="tomorrow")
    assert response.json()["errors"] == {"starts_at": ["输入一个有效的日期/时间。"]}


@pytest.mark.parametrize("kind", ["task", "note"])
def test_an_end_before_the_start_is_400_for_every_kind(api_as, team_users, deal, kind):
    opportunity, _contact = deal
    client = api_as(team_users["wangqiang"])
    body = {"kind": kind, "subject": "x", "starts_at": "2031-03-10T02:00:00Z"}
    response = client.post(
        "/activities", {**body, "ends_at": "2031-03-09T02:00:00Z", "opportunity": opportunity.pk}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"ends_at": ["The end is before the start."]}
    created = client.post("/activities", {**body, "opportunity": opportunity.pk}).json()
    moved = client.patch(
        f"/activities/{created['id']}", {"version": 1, "ends_at": "2031-03-09T02:00:00Z"}
    )
    assert moved.status_code == 400
    assert moved.json()["errors"] == {"ends_at": ["The end is before the start."]}


def test_patch_rules(api_as, team_users, deal):
    rep = team_users["wangqiang"]
    opportunity, _contact = deal
    meeting = _post_meeting(api_as(rep), opportunity).json()
    client = api_as(rep)
    path = f"/activities/{meeting['id']}"
    assert client.patch(path, {"subject": "x"}).json()["errors"] == {
        "version": ["This field is required."]
    }
    assert client.patch(path, {"version": 1, "kind": "call"}).status_code == 422
    assert client.patch(path, {"version": 1, "subject": None}).status_code == 422
    early = client.patch(path, {"version": 1, "ends_at": "2031-03-10T01:00:00Z"})
    assert early.status_code == 400
    assert early.json()["errors"]["ends_at"] == ["The end is before the start."]
    unlinked = client.patch(path, {"version": 1, "opportunity": None, "account": None})
    assert unlinked.status_code == 400
    assert Activity.objects.get().version == 1


def test_a_rep_cannot_see_activities_on_a_colleagues_opportunity(
    api_as, team_users, make_opportunity, deal
):
    rep, colleague, manager = (team_users[n] for n in ("wangqiang", "chenjing", "liming"))
    opportunity, contact = deal
    call = activity_create(
        actor=rep, kind="call", subject="电话", starts_at=START, opportunity=opportunity
    )
    on_contact = activity_create(actor=rep, kind="note", body="客户名录里的记录", contact=contact)
    stranger = api_as(colleague)
    path = f"/activities/{call.pk}"
    assert stranger.get(path).status_code == 404
    assert stranger.get(path).json() == {"detail": "Not found."}
    assert stranger.patch(path, {"version": 1, "subject": "x"}).status_code == 404
    assert stranger.post(f"{path}/complete", {"version": 1}).status_code == 404
    assert stranger.delete(path).status_code == 404
    listed = stranger.get("/activities", limit=200).json()["results"]
    assert [row["id"] for row in listed] == [on_contact.pk]
    # Filtering by an opportunity they cannot see is answered as for one that does not exist.
    hidden = stranger.get("/activities", opportunity=opportunity.pk)
    assert hidden.status_code == 400
    assert hidden.json()["errors"] == {"opportunity": [INVALID_CHOICE]}
    assert stranger.get("/activities", opportunity=999999).json() == hidden.json()
    # A record in the shared directory is readable, but only its people may change it.
    assert stranger.get(f"/activities/{on_contact.pk}").status_code == 200
    denied = stranger.patch(f"/activities/{on_contact.pk}", {"version": 1, "body": "改"})
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You are not allowed to make this change."}
    assert stranger.delete(f"/activities/{on_contact.pk}").status_code == 403
    # Nor can they log an activity on an opportunity they cannot see.
    refused = stranger.post(
        "/activities", {"kind": "note", "body": "x", "opportunity": opportunity.pk}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"opportunity": [INVALID_CHOICE]}
    # The manager of the team sees and changes it; a rep of another team does not see it.
    assert api_as(manager).get(path).status_code == 200
    assert api_as(manager).patch(path, {"version": 1, "subject": "改"}).status_code == 200
    assert api_as(team_users["zhaolei"]).get(path).status_code == 404
    # An invited colleague sees the meeting they attend.
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        subject="面谈",
        starts_at=START,
        opportunity=opportunity,
        attendee_users=[colleague],
    )
    assert stranger.get(f"/activities/{meeting.pk}").status_code == 200
    assert Activity.objects.filter(pk=call.pk).exists()


def test_unauthenticated_is_401(client):
    response = client.get("/api/v1/activities")
    assert response.status_code == 401


@pytest.fixture
def spread(team_users, make_opportunity, deal):
    """Activities of every kind over two opportunities, two owners and a week."""
    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    opportunity, contact = deal
    other = make_opportunity(owner=rep, name="秋季订货")

    def at(day, hour=2):
        return datetime.datetime(2031, 3, day, hour, 0, tzinfo=UTC)

    made = {
        "call_planned": activity_create(
            actor=rep, kind="call", subject="c1", starts_at=at(10), opportunity=opportunity
        ),
        "call_held": activity_create(
            actor=rep,
            kind="call",
            subject="c2",
            starts_at=at(3),
            status="held",
            opportunity=opportunity,
        ),
        "meeting": activity_create(
            actor=rep,
            kind="meeting",
            subject="m1",
            starts_at=at(12),
            opportunity=other,
            attendee_contacts=[contact],
        ),
        "task_colleague": activity_create(
            actor=rep,
            kind="task",
            subject="t1",
            starts_at=at(11),
            owner=colleague,
            opportunity=opportunity,
        ),
        "task_done": activity_create(
            actor=rep,
            kind="task",
            subject="t2",
            starts_at=at(5),
            status="completed",
            opportunity=other,
        ),
        "note": activity_create(actor=rep, kind="note", body="供应链备注", contact=contact),
    }
    Activity.objects.filter(pk=made["note"].pk).update(occurred_at=at(8))
    return made


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_list_filters(api_as, team_users, deal, spread):
    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    opportunity, contact = deal
    client = api_as(rep)
    a = {name: activity.pk for name, activity in spread.items()}

    # Newest first by default.
    assert _ids(client.get("/activities")) == [
        a["meeting"],
        a["task_colleague"],
        a["call_planned"],
        a["note"],
        a["task_done"],
        a["call_held"],
    ]
    assert _ids(client.get("/activities", kind="call")) == [a["call_planned"], a["call_held"]]
    assert _ids(client.get("/activities", kind=["task", "note"])) == [
        a["task_colleague"],
        a["note"],
        a["task_done"],
    ]
    assert _ids(client.get("/activities", status="held")) == [a["call_held"]]
    assert _ids(client.get("/activities", status=["completed", "not_started"])) == [
        a["task_colleague"],
        a["task_done"],
    ]
    assert _ids(client.get("/activities", owner=colleague.pk)) == [a["task_colleague"]]
    assert _ids(client.get("/activities", owner=[colleague.pk, rep.pk])) == _ids(
        client.get("/activities")
    )
    assert a["task_colleague"] not in _ids(client.get("/activities", mine="true"))
    assert _ids(api_as(colleague).get("/activities", mine="true")) == [a["task_colleague"]]
    assert _ids(client.get("/activities", open="true")) == [
        a["meeting"],
        a["task_colleague"],
        a["call_planned"],
    ]
    assert _ids(client.get("/activities", open="false")) == [
        a["note"],
        a["task_done"],
        a["call_held"],
    ]
    assert _ids(client.get("/activities", opportunity=opportunity.pk)) == [
        a["task_colleague"],
        a["call_planned"],
        a["call_held"],
    ]
    # The account's activities include those on its opportunities and contacts.
    assert len(_ids(client.get("/activities", account=opportunity.account_id))) == 6
    # A contact's: linked to it, or attended by it.
    assert _ids(client.get("/activities", contact=contact.pk)) == [a["meeting"], a["note"]]
    # Days in the caller's time zone (Shanghai), both ends included.
    assert _ids(client.get("/activities", starts_from="2031-03-05", starts_to="2031-03-10")) == [
        a["call_planned"],
        a["note"],
        a["task_done"],
    ]
    assert _ids(client.get("/activities", starts_from="2031-03-11")) == [
        a["meeting"],
        a["task_colleague"],
    ]
    assert _ids(client.get("/activities", starts_to="2031-03-04")) == [a["call_held"]]
    assert _ids(client.get("/activities", q="供应链")) == [a["note"]]
    assert _ids(client.get("/activities", q="秋季订货")) == [a["meeting"], a["task_done"]]
    # "Mine" is what the caller is assigned or attends.
    invited = activity_create(
        actor=rep,
        kind="meeting",
        subject="邀请陈静",
        starts_at=datetime.datetime(2031, 3, 20, 2, 0, tzinfo=UTC),
        opportunity=opportunity,
        attendee_users=[colleague],
    )
    assert _ids(api_as(colleague).get("/activities", mine="true")) == [
        invited.pk,
        a["task_colleague"],
    ]
    assert _ids(client.get("/activities", mine="false"))[0] == invited.pk
    invited.delete()
    combined = client.get("/activities", kind="task", open="true", owner=colleague.pk)
    assert _ids(combined) == [a["task_colleague"]]

    bad = client.get("/activities", kind="fax")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"kind.0"}
    assert client.get("/activities", status=["held", "lost"]).json()["errors"] == {
        "status.1": [
            "Input should be 'planned', 'held', 'not_held', 'not_started', "
            "'in_progress', 'completed', 'pending_input' or 'deferred'"
        ]
    }
    assert client.get("/activities", starts_from="soon").status_code == 422
    assert client.get("/activities", ordering="subject").status_code == 422


def test_cursor_walk_in_both_orders(api_as, team_users, deal, spread):
    client = api_as(team_users["wangqiang"])
    undated = activity_create(
        actor=team_users["wangqiang"], kind="task", subject="无截止", opportunity=deal[0]
    )
    everything = list(Activity.objects.all())
    for ordering, key in [
        ("-occurred_at", lambda x: (x.occurred_at, x.pk)),
        ("starts_at", lambda x: (x.starts_at is None, x.starts_at or START, x.pk)),
    ]:
        expected = sorted(everything, key=key, reverse=ordering.startswith("-"))
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 3, "ordering": ordering} | ({"cursor": cursor} if cursor else {})
            data = client.get("/activities", **params).json()
            assert len(data["results"]) <= 3
            assert all(set(row) == ACTIVITY_FIELDS for row in data["results"])
            seen += [row["id"] for row in data["results"]]
            pages += 1
            cursor = data["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert seen == [activity.pk for activity in expected]
    # The undated task sorts last by start.
    assert seen[-1] == undated.pk

    bad = client.get("/activities", cursor="not-a-cursor")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"cursor": ["This cursor is not valid."]}


def test_email_activity_shape(api_as, team_users, deal):
    from shangji.activities.models import EmailMessage

    rep = team_users["wangqiang"]
    opportunity, contact = deal
    activity = Activity.objects.create(
        kind="email",
        subject="报价单",
        body="您好，附件是报价单。",
        occurred_at=START,
        owner=rep,
        opportunity=opportunity,
        account=opportunity.account,
        created_by=rep,
        updated_by=rep,
    )
    EmailMessage.objects.create(
        activity=activity,
        message_id="<abc@example.com>",
        from_address="wangqiang@shangji.example",
        to_addresses='"王芳" <wangfang@example.com>, li@example.com',
        cc_addresses="boss@example.com",
        body_html="<p>您好</p>",
    )
    ActivityParticipant.objects.create(activity=activity, contact=contact)
    data = api_as(rep).get(f"/activities/{activity.pk}").json()
    assert data["kind"] == "email" and data["status"] == ""
    assert data["email"] == {
        "message_id": "<abc@example.com>",
        "from_address": "wangqiang@shangji.example",
        "to_addresses": ["王芳 <wangfang@example.com>", "li@example.com"],
        "cc_addresses": ["boss@example.com"],
        "has_html": True,
    }
    assert data["attendees"] == [{"user": None, "contact": contact.pk, "name": "王芳"}]
    email_only = api_as(rep).get("/activities", kind="email").json()["results"]
    assert [row["id"] for row in email_only] == [activity.pk]


def test_attachments_are_listed_with_their_download_address(
    api_as, team_users, deal, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    rep = team_users["wangqiang"]
    opportunity, _contact = deal
    note = activity_create(
        actor=rep,
        kind="note",
        body="见附件",
        opportunity=opportunity,
        attachments=[SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", "application/pdf")],
    )
    attachment = note.attachments.get()
    data = api_as(rep).get(f"/activities/{note.pk}").json()
    assert data["attachments"] == [
        {
            "id": attachment.pk,
            "filename": "报价单.pdf",
            "size": 14,
            "content_type": "application/pdf",
            "url": f"/activities/attachments/{attachment.pk}/",
        }
    ]
    assert attachment_url(attachment.pk) == data["attachments"][0]["url"]
    # The address serves the file to a browser session that may see the note, and no one else.
    browser = Client()
    browser.force_login(rep)
    download = browser.get(data["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 quote"
    browser.force_login(team_users["chenjing"])
    assert browser.get(data["attachments"][0]["url"]).status_code == 404
    assert api_as(team_users["chenjing"]).get(f"/activities/{note.pk}").status_code == 404


def test_list_queries_do_not_grow_with_rows(
    api_as, team_users, deal, settings, tmp_path, django_assert_max_num_queries
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers import queries_of

    settings.MEDIA_ROOT = tmp_path
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity, contact = deal

    def add(n):
        for i in range(n):
            activity_create(
                actor=rep,
                kind="meeting",
                subject=f"会议 {i}",
                starts_at=START + datetime.timedelta(days=i),
                opportunity=opportunity,
                attendee_users=[manager],
                attendee_contacts=[contact],
                reminders=[15, 60],
            )
            activity_create(
                actor=rep,
                kind="note",
                body=f"备注 {i}",
                contact=contact,
                attachments=[SimpleUploadedFile(f"{i}.txt", b"x", "text/plain")],
            )

    for user in (rep, manager, team_users["admin"]):
        client = api_as(user)
        client.get("/activities")  # the token's first use is recorded once
        add(1)
        few = queries_of(lambda client=client: client.get("/activities", limit=200))
        add(6)
        many = queries_of(lambda client=client: client.get("/activities", limit=200))
        assert many == few, user
        assert few <= 8, user
        rows = client.get("/activities", limit=200).json()["results"]
        assert all(row["attendees"] or row["attachments"] for row in rows)
        Activity.objects.all().delete()
