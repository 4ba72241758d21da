"""The personal calendar feed: a secret, revocable address with calls, meetings and tasks."""

import datetime

import icalendar
import pytest
import time_machine
from django.urls import reverse

from shangji.activities.services import activity_complete, activity_create
from shangji.users.services import calendar_token_reset

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agenda(clock, make_opportunity, team_users):
    """王强's week: calls, a meeting with 李明, tasks; and things that must stay out."""
    rep, manager, other = team_users["wangqiang"], team_users["liming"], team_users["zhaolei"]
    opportunity = make_opportunity(owner=rep, name="新城百货 2027 春装")

    def make(kind, subject, starts_at, actor=rep, **fields):
        return activity_create(
            actor=actor,
            kind=kind,
            opportunity=fields.pop("opportunity", opportunity),
            subject=subject,
            starts_at=starts_at,
            **fields,
        )

    other_opportunity = make_opportunity(owner=other, name="别人的商机")
    return {
        "call": make("call", "周例会电话", NOW + DAY, reminders=[15, 60]),
        "meeting": make(
            "meeting",
            "与王芳面谈",
            NOW + 3 * DAY,
            actor=manager,
            owner=manager,
            attendee_users=[rep],
            location="新城百货总部",
            reminders=[30],
        ),
        "task": make("task", "准备供应链报告", NOW + 7 * DAY, reminders=[1440], priority="high"),
        "undated_task": make("task", "整理名片", None),
        "done_task": activity_complete(
            activity=make("task", "已完成的任务", NOW + DAY), actor=rep, version=1
        ),
        "old_call": make("call", "很久以前的电话", NOW - 40 * DAY),
        "far_call": make("call", "明年以后的电话", NOW + 400 * DAY),
        "note": make("note", "一条备注", None),
        "others_call": make(
            "call", "赵磊的电话", NOW + DAY, actor=other, opportunity=other_opportunity
        ),
    }


def feed(client, user):
    token = user.calendar_token or calendar_token_reset(user=user)
    response = client.get(reverse("users:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def by_subject(calendar):
    return {
        str(component["SUMMARY"]).split(": ", 1)[1]: component
        for component in calendar.walk()
        if component.name in ("VEVENT", "VTODO")
    }


def test_the_feed_has_my_calls_meetings_and_open_tasks_with_alarms(client, agenda, team_users):
    items = by_subject(feed(client, team_users["wangqiang"]))
    assert set(items) == {"周例会电话", "与王芳面谈", "准备供应链报告", "整理名片"}

    call = items["周例会电话"]
    assert call.name == "VEVENT" and str(call["SUMMARY"]) == "Call: 周例会电话"
    assert (
        call["DTSTART"].dt == NOW + DAY and call["DTSTART"].dt.utcoffset() == datetime.timedelta()
    )
    assert call["DTEND"].dt == NOW + DAY + datetime.timedelta(minutes=15)
    text = call.to_ical().decode()
    assert "DTSTART:20261202T020000Z" in text and "DTEND:20261202T021500Z" in text  # UTC
    assert str(call["UID"]) == f"activity-{agenda['call'].pk}@testserver"
    assert "新城百货 2027 春装" in str(call["DESCRIPTION"])
    assert str(call["URL"]).startswith("http://testserver/opportunities/")
    triggers = sorted(alarm["TRIGGER"].dt for alarm in call.walk("VALARM"))
    assert triggers == [-datetime.timedelta(minutes=60), -datetime.timedelta(minutes=15)]

    meeting = items["与王芳面谈"]  # 李明's meeting: 王强 is invited
    assert meeting["LOCATION"] == "新城百货总部"
    assert meeting["DTEND"].dt - meeting["DTSTART"].dt == datetime.timedelta(hours=1)
    [alarm] = meeting.walk("VALARM")
    assert alarm["TRIGGER"].dt == -datetime.timedelta(minutes=30)
    assert alarm["ACTION"] == "DISPLAY"

    task = items["准备供应链报告"]
    assert task.name == "VTODO" and task["DUE"].dt == NOW + 7 * DAY
    assert task["PRIORITY"] == 1 and task["STATUS"] == "NEEDS-ACTION"
    [alarm] = task.walk("VALARM")
    assert alarm["TRIGGER"].dt == -DAY and alarm["TRIGGER"].params["RELATED"] == "END"
    assert items["整理名片"].walk("VALARM") == [] and "DUE" not in items["整理名片"]


def test_uids_are_stable_and_each_user_sees_only_their_own(client, agenda, team_users):
    rep, manager, other = team_users["wangqiang"], team_users["liming"], team_users["zhaolei"]
    first = {str(c["UID"]) for c in feed(client, rep).walk("VEVENT")}
    again = {str(c["UID"]) for c in feed(client, rep).walk("VEVENT")}
    assert first == again and len(first) == 2
    assert set(by_subject(feed(client, manager))) == {"与王芳面谈"}
    assert set(by_subject(feed(client, other))) == {"赵磊的电话"}
    manager_alarms = feed(client, manager).walk("VALARM")
    assert [alarm["TRIGGER"].dt for alarm in manager_alarms] == [-datetime.timedelta(minutes=30)]


def test_a_new_address_revokes_the_old_one(client, agenda, team_users):
    rep = team_users["wangqiang"]
    client.force_login(rep)
    page = client.get(reverse("users:profile")).content.decode()
    assert "Create calendar address" in page and 'data-testid="calendar-url"' not in page

    client.post(reverse("users:calendar_token_reset"))
    rep.refresh_from_db()
    old = rep.calendar_token
    old_url = reverse("users:calendar_feed", args=[old])
    page = client.get(reverse("users:profile")).content.decode()
    assert f'value="http://testserver{old_url}"' in page
    client.logout()
    assert client.get(old_url).status_code == 200  # no login: the address is the credential

    client.force_login(rep)
    client.post(reverse("users:calendar_token_reset"))
    rep.refresh_from_db()
    assert rep.calendar_token != old and len(rep.calendar_token) >= 40
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("users:calendar_feed", args=[rep.calendar_token])).status_code == 200

    client.force_login(rep)
    client.post(reverse("users:calendar_token_revoke"))
    client.logout()
    rep.refresh_from_db()
    assert rep.calendar_token is None
    assert client.get(reverse("users:calendar_feed", args=["nothing-here"])).status_code == 404


def test_an_inactive_user_has_no_feed(client, team_users):
    rep = team_users["wangqiang"]
    token = calendar_token_reset(user=rep)
    rep.is_active = False
    rep.save()
    assert client.get(reverse("users:calendar_feed", args=[token])).status_code == 404


def test_changing_the_address_needs_a_signed_in_post(client, team_users):
    assert client.post(reverse("users:calendar_token_reset")).status_code == 302
    client.force_login(team_users["wangqiang"])
    assert client.get(reverse("users:calendar_token_reset")).status_code == 405
