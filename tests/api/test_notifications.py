import datetime

import pytest
from django.utils import timezone

from shangji.users.models import Notification
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

NOTIFICATION_FIELDS = {"id", "verb", "text", "url", "created_at", "read_at"}


@pytest.fixture
def inbox(team_users, make_opportunity):
    """Two assignments from 李明 to 王强 (through the service) and a meeting reminder."""
    rep, manager = team_users["wangqiang"], team_users["liming"]
    first = make_opportunity(owner=rep, name="春季订货")
    # The factory creates as the owner; reassigning through the service notifies the rep.
    from shangji.opportunities.services import opportunity_update

    opportunity_update(opportunity=first, actor=manager, version=1, owner=team_users["chenjing"])
    first.refresh_from_db()
    opportunity_update(opportunity=first, actor=manager, version=first.version, owner=rep)
    second = make_opportunity(owner=team_users["chenjing"], name="秋季订货")
    opportunity_update(opportunity=second, actor=manager, version=1, owner=rep)
    reminder = Notification.objects.create(
        recipient=rep,
        verb="reminder",
        params={
            "kind": "meeting",
            "subject": "与王芳面谈",
            "starts_at": "2031-03-10T02:00:00+00:00",
        },
        url="/activities/1/",
    )
    rows = list(Notification.objects.filter(recipient=rep).order_by("pk"))
    assert len(rows) == 3 and rows[-1] == reminder
    # Distinct times, oldest first in id order.
    base = timezone.now() - datetime.timedelta(hours=3)
    for offset, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(
            created_at=base + datetime.timedelta(minutes=offset)
        )
    return rows


def test_list_newest_first_with_text_in_the_callers_language(api_as, team_users, inbox):
    rep = team_users["wangqiang"]
    data = api_as(rep).get("/notifications").json()
    assert [row["id"] for row in data["results"]] == [row.pk for row in reversed(inbox)]
    assert all(set(row) == NOTIFICATION_FIELDS for row in data["results"])
    assert data["next_cursor"] is None and data["unread_count"] == 3
    reminder, autumn, spring = data["results"]
    assert spring["verb"] == "assigned"
    assert spring["text"] == "李明 assigned you the opportunity “春季订货”."
    assert autumn["text"] == "李明 assigned you the opportunity “秋季订货”."
    assert spring["url"] == inbox[0].url and spring["url"].startswith("/opportunities/")
    assert spring["read_at"] is None and spring["created_at"].endswith("Z")
    # A reminder reads its time in the caller's zone (Shanghai: 10:00).
    assert reminder["verb"] == "reminder"
    assert reminder["text"].startswith("Reminder: meeting “与王芳面谈” at ")
    assert reminder["text"].endswith("10:00")

    chinese = api_as(rep, language="zh-hans").get("/notifications").json()["results"]
    assert chinese[2]["text"] == "李明 将商机“春季订货”分配给了您。"

    # Only the caller's own.
    others = api_as(team_users["chenjing"]).get("/notifications").json()
    assert all(row["id"] not in {n.pk for n in inbox} for row in others["results"])


def test_mark_read_and_the_unread_filter(api_as, team_users, inbox):
    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    client = api_as(rep)
    oldest, middle, newest = inbox
    foreign = Notification.objects.create(recipient=colleague, verb="assigned", params={})

    marked = client.post("/notifications/read", {"ids": [oldest.pk, foreign.pk]})
    assert marked.status_code == 200, marked.json()
    assert marked.json() == {"marked": 1, "unread_count": 2}
    foreign.refresh_from_db()
    assert foreign.read_at is None  # someone else's is left alone

    unread = client.get("/notifications", unread="true").json()
    assert [row["id"] for row in unread["results"]] == [newest.pk, middle.pk]
    everything = client.get("/notifications").json()["results"]
    assert everything[-1]["id"] == oldest.pk and everything[-1]["read_at"] is not None

    assert client.post("/notifications/read", {}).json() == {"marked": 2, "unread_count": 0}
    assert client.get("/notifications", unread="true").json()["results"] == []
    assert client.post("/notifications/read", {"ids": []}).json() == {
        "marked": 0,
        "unread_count": 0,
    }
    bad = client.post("/notifications/read", {"ids": ["x"], "all": True})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"ids.0", "all"}


def test_cursor_pages_and_bounded_queries(api_as, team_users):
    rep = team_users["wangqiang"]
    base = timezone.now()
    for n in range(7):
        row = Notification.objects.create(
            recipient=rep, verb="assigned", params={"actor": "李明", "name": f"商机{n}"}
        )
        # Two share a time: the id breaks the tie.
        Notification.objects.filter(pk=row.pk).update(
            created_at=base - datetime.timedelta(minutes=n // 2 * 2)
        )
    expected = list(
        Notification.objects.filter(recipient=rep)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    client = api_as(rep)
    seen, cursor = [], None
    while True:
        data = client.get("/notifications", limit=3, **({"cursor": cursor} if cursor else {}))
        data = data.json()
        seen += [row["id"] for row in data["results"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == expected

    few = queries_of(lambda: client.get("/notifications", limit=2))
    many = queries_of(lambda: client.get("/notifications", limit=200))
    assert few == many <= 5
    assert client.get("/notifications", cursor="zzz").status_code == 400


def test_notifications_need_authentication(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert (
        client.post("/api/v1/notifications/read", {}, content_type="application/json").status_code
        == 401
    )
