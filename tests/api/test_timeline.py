import datetime

import pytest

from shangji.activities.models import Activity
from shangji.activities.services import activity_create
from shangji.contacts.services import contact_create
from shangji.opportunities.models import OpportunityChange
from shangji.opportunities.services import opportunity_update
from tests.api.conftest import ACTIVITY_FIELDS
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2031, 3, 1, 2, 0, tzinfo=datetime.UTC)


def _day(n):
    return T0 + datetime.timedelta(days=n)


@pytest.fixture
def story(team_users, stages, make_opportunity):
    """An opportunity's life: created, a note, a stage move with a note at the same moment, a
    held call, a planned meeting and an open task; plus a note on its contact alone."""
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="春季订货")
    contact = contact_create(
        actor=rep, account=opportunity.account, last_name="王", first_name="芳"
    )
    created = OpportunityChange.objects.get(opportunity=opportunity)
    OpportunityChange.objects.filter(pk=created.pk).update(changed_at=_day(0))
    opportunity_update(
        opportunity=opportunity, actor=rep, version=1, stage=stages["Needs Analysis"]
    )
    moved = OpportunityChange.objects.exclude(pk=created.pk).get(opportunity=opportunity)
    OpportunityChange.objects.filter(pk=moved.pk).update(changed_at=_day(2))

    def note(body, when, **links):
        row = activity_create(actor=rep, kind="note", body=body, **links)
        Activity.objects.filter(pk=row.pk).update(occurred_at=when)
        return row

    made = {
        "created": created,
        "first_note": note("初次拜访", _day(1), opportunity=opportunity),
        "moved": moved,
        "same_moment_note": note("需求分析开始", _day(2), opportunity=opportunity),
        "call": activity_create(
            actor=rep,
            kind="call",
            subject="回访",
            starts_at=_day(3),
            status="held",
            opportunity=opportunity,
        ),
        "meeting": activity_create(
            actor=rep,
            kind="meeting",
            subject="方案演示",
            starts_at=_day(5),
            opportunity=opportunity,
            attendee_contacts=[contact],
        ),
        "task": activity_create(
            actor=rep, kind="task", subject="准备报价", starts_at=_day(10), opportunity=opportunity
        ),
        "contact_note": note("王芳换了手机号", _day(4), contact=contact),
    }
    return opportunity, contact, made


def _entry_ids(data):
    return [
        ("change", entry["change"]["id"])
        if entry["change"]
        else ("activity", entry["activity"]["id"])
        for entry in data["entries"]
    ]


def _key(row):
    kind = "change" if isinstance(row, OpportunityChange) else "activity"
    return (kind, row.pk)


def test_opportunity_timeline_merges_activities_and_history_newest_first(api_as, team_users, story):
    opportunity, _contact, made = story
    response = api_as(team_users["wangqiang"]).get(f"/opportunities/{opportunity.pk}/timeline")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert set(data) == {"entries", "planned", "next_cursor"}
    # Newest first; at the same moment the activity comes above the history row.
    assert _entry_ids(data) == [
        _key(made[name])
        for name in (
            "task",
            "meeting",
            "call",
            "same_moment_note",
            "moved",
            "first_note",
            "created",
        )
    ]
    assert [entry["kind"] for entry in data["entries"]] == [
        "task",
        "meeting",
        "call",
        "note",
        "change",
        "note",
        "change",
    ]
    assert [entry["occurred_at"] for entry in data["entries"][:3]] == [
        "2031-03-11T02:00:00Z",
        "2031-03-06T02:00:00Z",
        "2031-03-04T02:00:00Z",
    ]
    assert data["next_cursor"] is None
    task = data["entries"][0]
    assert task["change"] is None and set(task["activity"]) == ACTIVITY_FIELDS
    assert task["activity"]["subject"] == "准备报价"
    meeting = data["entries"][1]["activity"]
    assert meeting["attendees"] == [{"user": None, "contact": _contact.pk, "name": "王芳"}]
    moved = data["entries"][4]
    assert moved["activity"] is None
    assert moved["change"]["stage_name"] == "Needs Analysis"
    assert "stage" in moved["change"]["changed_fields"]
    assert moved["change"]["actor_username"] == "wangqiang"
    # Planned work apart: the upcoming meeting and the open task, soonest first.
    assert [row["id"] for row in data["planned"]] == [made["meeting"].pk, made["task"].pk]
    assert all(set(row) == ACTIVITY_FIELDS for row in data["planned"])


def test_timeline_kinds_and_cursor(api_as, team_users, story):
    opportunity, _contact, made = story
    client = api_as(team_users["wangqiang"])
    path = f"/opportunities/{opportunity.pk}/timeline"
    only = client.get(path, kinds=["call", "change"]).json()
    assert _entry_ids(only) == [_key(made[n]) for n in ("call", "moved", "created")]
    assert only["planned"] == []
    notes = client.get(path, kinds="note").json()
    assert _entry_ids(notes) == [_key(made[n]) for n in ("same_moment_note", "first_note")]

    everything = _entry_ids(client.get(path).json())
    seen, cursor, pages = [], None, 0
    while True:
        data = client.get(path, limit=2, **({"cursor": cursor} if cursor else {})).json()
        assert len(data["entries"]) <= 2
        if pages:
            assert data["planned"] == []  # planned work comes with the first page only
        seen += _entry_ids(data)
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert pages == 4 and seen == everything

    bad = client.get(path, cursor="not-a-cursor")
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "This cursor is not valid.",
        "errors": {"cursor": ["This cursor is not valid."]},
    }
    assert client.get(path, limit=0).status_code == 422
    unknown = client.get(path, kinds=["call", "stage"])
    assert unknown.status_code == 422 and set(unknown.json()["errors"]) == {"kinds.1"}


def test_account_and_contact_timelines(api_as, team_users, story):
    opportunity, contact, made = story
    client = api_as(team_users["wangqiang"])
    account = client.get(f"/accounts/{opportunity.account_id}/timeline").json()
    assert _entry_ids(account) == [
        _key(made[name])
        for name in (
            "task",
            "meeting",
            "contact_note",
            "call",
            "same_moment_note",
            "moved",
            "first_note",
            "created",
        )
    ]
    person = client.get(f"/contacts/{contact.pk}/timeline").json()
    # Linked to the contact, or attended by them; no history rows.
    assert _entry_ids(person) == [_key(made["meeting"]), _key(made["contact_note"])]
    assert [row["id"] for row in person["planned"]] == [made["meeting"].pk]
    assert client.get("/accounts/999999/timeline").status_code == 404
    assert client.get("/contacts/999999/timeline").status_code == 404


def test_timeline_visibility(api_as, team_users, story):
    opportunity, contact, made = story
    colleague = api_as(team_users["chenjing"])
    response = colleague.get(f"/opportunities/{opportunity.pk}/timeline")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # The shared account shows the colleague only what they may see: not the opportunity's.
    account = colleague.get(f"/accounts/{opportunity.account_id}/timeline").json()
    assert _entry_ids(account) == [_key(made["contact_note"])]
    assert account["planned"] == []
    person = colleague.get(f"/contacts/{contact.pk}/timeline").json()
    assert _entry_ids(person) == [_key(made["contact_note"])]


def test_timeline_queries_do_not_grow_with_entries(api_as, team_users, story):
    opportunity, contact, _made = story
    rep = team_users["wangqiang"]
    client = api_as(rep)
    path = f"/opportunities/{opportunity.pk}/timeline"
    client.get(path)
    opportunity.refresh_from_db()
    few = queries_of(lambda: client.get(path, limit=100))
    for n in range(8):
        activity_create(
            actor=rep,
            kind="meeting",
            subject=f"会议{n}",
            starts_at=_day(20 + n),
            opportunity=opportunity,
            attendee_users=[team_users["liming"]],
            attendee_contacts=[contact],
            reminders=[15],
        )
        opportunity_update(
            opportunity=opportunity,
            actor=rep,
            version=opportunity.version,
            amount=opportunity.amount + 1,
        )
        opportunity.refresh_from_db()
    many = queries_of(lambda: client.get(path, limit=100))
    assert len(client.get(path, limit=100).json()["entries"]) > 20
    assert many == few
