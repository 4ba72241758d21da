"""Live notifications: every page polls; a reminder shows up as a toast and in the badge."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from shangji.activities.delivery import reminder_deliver
from shangji.activities.services import activity_create
from shangji.users.models import Notification

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 1, 5, 45, tzinfo=datetime.UTC)  # 13:45 in Shanghai
POLLER = re.compile(r'<div id="notification-poller"[^>]*hx-get="([^"]+)"[^>]*>')


def poll_url(page: str) -> str:
    return html.unescape(POLLER.search(page).group(1))


def badge(page: str) -> str | None:
    found = re.search(r'data-testid="unread-count">(\d+)<', page)
    return found.group(1) if found else None


@pytest.fixture
def rep_client(client, team_users):
    client.force_login(team_users["wangqiang"])
    return client


def test_every_page_polls_every_15_seconds_without_inline_script(rep_client):
    page = rep_client.get(reverse("users:profile")).content.decode()
    poller = POLLER.search(page).group(0)
    assert 'hx-trigger="every 15s"' in poller and 'hx-swap="outerHTML"' in poller
    assert poll_url(page).startswith(reverse("users:notification_poll") + "?since=")
    assert 'id="toasts"' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "http://" not in page and "https://" not in page


def test_a_reminder_appears_at_the_next_poll(rep_client, make_opportunity, team_users):
    rep = team_users["wangqiang"]
    with time_machine.travel(T0 - datetime.timedelta(minutes=1), tick=False) as clock:
        call = activity_create(
            actor=rep,
            kind="call",
            opportunity=make_opportunity(owner=rep),
            subject="周例会电话",
            starts_at=T0 + datetime.timedelta(minutes=15),
            reminders=[15],
        )
        page = rep_client.get(reverse("users:profile")).content.decode()
        assert badge(page) is None
        url = poll_url(page)
        quiet = rep_client.get(url).content.decode()
        assert "notification-toast" not in quiet and badge(quiet) is None

        clock.move_to(T0 + datetime.timedelta(seconds=5))
        assert reminder_deliver(reminder_id=call.reminders.get().pk)
        clock.move_to(T0 + datetime.timedelta(seconds=15))
        answer = rep_client.get(poll_url(quiet)).content.decode()
        assert 'data-testid="notification-toast"' in answer
        assert "Reminder: call “周例会电话” at 14:00" in html.unescape(answer)
        assert f'href="{call.opportunity.get_absolute_url()}#activity-{call.pk}"' in answer
        assert 'hx-swap-oob="beforeend:#toasts"' in answer
        assert 'hx-swap-oob="innerHTML:.usernav a.bell"' in answer and badge(answer) == "1"

        # The next poll shows no toast again, but the badge stays until it is read.
        clock.move_to(T0 + datetime.timedelta(seconds=30))
        later = rep_client.get(poll_url(answer)).content.decode()
        assert "notification-toast" not in later and badge(later) == "1"
        page = rep_client.get(reverse("users:notification_list")).content.decode()
        assert badge(page) == "1" and "Reminder: call “周例会电话” at 14:00" in html.unescape(page)


def test_the_reader_sees_their_own_time_zone(rep_client, team_users):
    rep = team_users["wangqiang"]
    rep.time_zone = "Europe/Berlin"
    rep.save()
    since = timezone.now() - datetime.timedelta(seconds=1)
    Notification.objects.create(
        recipient=rep,
        verb="reminder",
        params={"kind": "meeting", "subject": "季度评审", "starts_at": "2026-12-01T06:00:00+00:00"},
    )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 5, 45, tzinfo=datetime.UTC)):
        answer = rep_client.get(
            reverse("users:notification_poll"), {"since": since.isoformat()}
        ).content.decode()
    assert "Reminder: meeting “季度评审” at 07:00" in html.unescape(answer)


def test_only_your_own_new_notifications_are_shown(client, team_users):
    rep, other = team_users["wangqiang"], team_users["chenjing"]
    since = timezone.now() - datetime.timedelta(seconds=1)
    Notification.objects.create(
        recipient=other, verb="assigned", params={"actor": "李明", "name": "新城百货"}
    )
    client.force_login(rep)
    answer = client.get(reverse("users:notification_poll"), {"since": since.isoformat()})
    assert "notification-toast" not in answer.content.decode()
    assert badge(answer.content.decode()) is None


def test_bad_cursor_and_signed_out(client, rep_client):
    answer = rep_client.get(reverse("users:notification_poll"), {"since": "yesterday"})
    assert answer.status_code == 200 and "notification-poller" in answer.content.decode()
    assert "no-cache" in answer["Cache-Control"]
    client.logout()
    assert client.get(reverse("users:notification_poll")).status_code == 286  # htmx: stop


def test_an_unknown_verb_never_breaks_a_page(rep_client, team_users):
    Notification.objects.create(recipient=team_users["wangqiang"], verb="reminder", params={})
    Notification.objects.create(recipient=team_users["wangqiang"], verb="future", params={})
    assert rep_client.get(reverse("users:notification_list")).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reminder_pops_up_without_a_reload(live_server, page, team_users):
    from shangji.accounts.services import account_create

    rep = team_users["wangqiang"]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wangqiang")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.locator("[data-testid=unread-count]").count() == 0

    call = activity_create(
        actor=rep,
        kind="call",
        account=account_create(actor=rep, name="新城百货"),
        subject="周例会电话",
        starts_at=timezone.now() + datetime.timedelta(minutes=15),
        reminders=[15],
    )
    assert reminder_deliver(reminder_id=call.reminders.get().pk)

    toast = page.locator("[data-testid=notification-toast]")
    toast.wait_for(timeout=20_000)  # the next poll, at most 15 s away
    assert "周例会电话" in toast.inner_text()
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    toast.locator("[data-dismiss-toast]").click()
    assert toast.count() == 0
