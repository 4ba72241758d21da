"""The change feed: cursors, commit order and who sees which events."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from shangji.webhooks.models import ChangeEvent
from shangji.webhooks.selectors import change_feed

pytestmark = pytest.mark.django_db


def names(page):
    return [(event.kind, event.action, event.payload.get("name")) for event in page.events]


def test_cursor_pages_through_every_event_once(make_opportunity, team_users):
    admin = team_users["admin"]
    for number in range(5):
        make_opportunity(name=f"Deal {number}")
    everything = list(ChangeEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(everything) == 6  # the account 新城百货 and five opportunities
    seen, cursor, pages = [], None, 0
    while True:
        page = change_feed(user=admin, since=cursor, limit=4)
        seen += [event.pk for event in page.events]
        pages += 1
        cursor = page.next
        if not page.has_more:
            break
    assert seen == everything and pages == 2
    # Nothing new: the same cursor comes back, and later events follow it.
    assert change_feed(user=admin, since=cursor).events == []
    assert change_feed(user=admin, since=cursor).next == cursor
    make_opportunity(name="Deal 6")
    page = change_feed(user=admin, since=cursor)
    assert names(page) == [("opportunity", "created", "Deal 6")]


def test_a_rep_sees_only_events_of_own_records(make_opportunity, team_users):
    from shangji.opportunities.services import opportunity_delete

    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    mine = make_opportunity(owner=rep, name="王强的单")
    make_opportunity(owner=other, name="赵磊的单")
    opportunity_delete(opportunity=mine, actor=rep, version=mine.version)
    assert names(change_feed(user=rep)) == [
        ("account", "created", "新城百货"),  # accounts are everyone's directory
        ("opportunity", "created", "王强的单"),
        ("opportunity", "deleted", "王强的单"),  # the owner at deletion still sees it
    ]
    assert names(change_feed(user=other)) == [
        ("account", "created", "新城百货"),
        ("opportunity", "created", "赵磊的单"),
    ]
    manager_sees = names(change_feed(user=team_users["liming"]))  # manages 王强, not 赵磊
    assert ("opportunity", "created", "王强的单") in manager_sees
    assert ("opportunity", "created", "赵磊的单") not in manager_sees
    assert len(change_feed(user=team_users["zhangyue"]).events) == 4  # executives: all


def test_reassigning_moves_later_events_to_the_new_owner(make_opportunity, team_users):
    from shangji.opportunities.services import opportunity_assign

    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    deal = make_opportunity(owner=rep, name="转交的单")
    opportunity_assign(opportunity=deal, owner=colleague, actor=team_users["liming"], version=1)
    assert [event.action for event in change_feed(user=rep).events] == ["created", "created"]
    assert names(change_feed(user=colleague))[1:] == [("opportunity", "updated", "转交的单")]


def test_activity_events_follow_the_opportunity_and_the_assignee(make_opportunity, team_users):
    from shangji.activities.services import activity_complete, activity_create

    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    deal = make_opportunity(owner=rep)
    task = activity_create(actor=rep, kind="task", subject="寄样品", opportunity=deal, owner=other)
    activity_complete(activity=task, actor=other, version=task.version)
    activities = [e.action for e in change_feed(user=rep).events if e.kind == "activity"]
    assert activities == ["created", "completed"]
    # The assignee sees the task, not the opportunity's own events.
    assert [(e.kind, e.action) for e in change_feed(user=other).events][1:] == [
        ("activity", "created"),
        ("activity", "completed"),
    ]


def test_api_feed(api_as, make_opportunity, team_users):
    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep, name="接口的单")
    answer = api_as(rep).get("/changes", limit=1)
    assert answer.status_code == 200
    data = answer.json()
    assert data["has_more"] is True
    (account,) = data["events"]
    assert account["kind"] == "account" and account["action"] == "created"
    assert data["next"] == account["cursor"]
    data = api_as(rep).get("/changes", since=data["next"]).json()
    (event,) = data["events"]
    assert event["entity_id"] == deal.pk and event["actor"] == rep.pk
    assert event["payload"]["name"] == "接口的单" and event["payload"]["amount"] == "1000.00"
    assert data["has_more"] is False
    assert api_as(rep).get("/changes", since=data["next"]).json() == {
        "events": [],
        "next": data["next"],
        "has_more": False,
    }
    bad = api_as(rep).get("/changes", since="yesterday")
    assert bad.status_code == 400 and "since" in bad.json()["errors"]
    assert api_as(rep).get("/changes", limit=0).status_code == 422
    assert api_as().get("/changes").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_each_seen_exactly_once(team_users):
    """Writers commit in another order than their ids; a polling client misses nothing.

    On SQLite writers take turns (BEGIN IMMEDIATE), so the order is trivially right; the test
    database there is a shared in-memory one, so the threads take turns explicitly too.
    """
    from shangji.accounts.services import account_create
    from shangji.users.models import User

    admin_id = team_users["admin"].pk
    writers, per_writer = 4, 6
    sqlite_turns = threading.Lock() if connection.vendor == "sqlite" else None
    done = threading.Event()
    failures, seen = [], []

    def turn():
        return sqlite_turns or _NoLock()

    def write(number):
        try:
            actor = User.objects.get(pk=admin_id)
            for index in range(per_writer):
                with turn(), transaction.atomic():
                    account_create(actor=actor, name=f"并发客户 {number}-{index}")
                    time.sleep(random.uniform(0, 0.03))  # commit late: a later id commits first
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    def poll():
        try:
            reader = User.objects.get(pk=admin_id)
            cursor = None
            while True:
                finished = done.is_set()
                with turn():
                    page = change_feed(user=reader, since=cursor, limit=5)
                seen.extend(event.pk for event in page.events)
                cursor = page.next
                if finished and not page.events:
                    break
                if not page.events:
                    time.sleep(0.002)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    poller = threading.Thread(target=poll)
    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    poller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    poller.join(timeout=60)
    assert not failures
    everything = list(ChangeEvent.objects.values_list("id", flat=True))
    assert len(everything) == writers * per_writer
    assert len(seen) == len(set(seen))  # never twice
    assert sorted(seen) == sorted(everything)  # never missed


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers never overlap")
@pytest.mark.django_db(transaction=True)
def test_a_slow_transaction_holds_back_later_commits(team_users):
    """PostgreSQL: an id taken before another's commit is served first, once it commits."""
    from shangji.accounts.services import account_create

    admin = team_users["admin"]
    written, release = threading.Event(), threading.Event()

    def slow():
        try:
            with transaction.atomic():
                account_create(actor=admin, name="慢客户")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow)
    thread.start()
    assert written.wait(10)
    account_create(actor=admin, name="快客户")  # a later id, committed first
    assert change_feed(user=admin).events == []  # held back behind the open transaction
    release.set()
    thread.join()
    page = change_feed(user=admin)
    assert [event.payload["name"] for event in page.events] == ["慢客户", "快客户"]
    assert change_feed(user=admin, since=page.next).events == []
