"""Deliveries to a real HTTP receiver on loopback: signatures, retries, order, disabling."""

import datetime
import hashlib
import hmac
import json
import time

import pytest
import time_machine
from django.utils import timezone

from shangji.users.models import Notification
from shangji.webhooks.delivery import backoff, delivery_attempt
from shangji.webhooks.models import ChangeEvent, WebhookDelivery

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


def verify_shangji_webhook(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The README's verification recipe, word for word."""
    timestamp = headers["Shangji-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old (or from the future): a replay
    message = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    offered = [part.strip() for part in headers["Shangji-Signature"].split(",")]
    return any(hmac.compare_digest(f"v1={expected}", candidate) for candidate in offered)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write and its after-commit work (the fan-out), as a request would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def test_backoff_doubles_from_30_seconds_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 9, 20)] == [
        30,
        60,
        120,
        240,
        3600,
        3600,
        3600,
    ]  # 30·2^(n-1) s, capped at 3600 s (30·2^7 = 3840 > 3600)


def test_signed_delivery_reaches_a_real_receiver(receiver, subscribe, make_opportunity, committed):
    webhook = subscribe(receiver.url, ["opportunity.created", "opportunity.won"])
    with time_machine.travel(T0, tick=False):
        deal = committed(lambda: make_opportunity(name="华联超市 春季订货", amount="88000.00"))
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk)[0] == "sent"

    request = receiver.requests[0]
    headers = request["headers"]
    assert headers["Shangji-Event"] == "opportunity.created"
    assert headers["Shangji-Delivery"] == str(delivery.pk)
    assert headers["Shangji-Timestamp"] == str(int(T0.timestamp()))
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    with time_machine.travel(T0 + datetime.timedelta(seconds=10), tick=False):
        assert verify_shangji_webhook(webhook.secret, headers, request["body"])
        assert not verify_shangji_webhook("whsec_other", headers, request["body"])
        assert not verify_shangji_webhook(webhook.secret, headers, request["body"] + b" ")
    with time_machine.travel(T0 + datetime.timedelta(seconds=301), tick=False):
        assert not verify_shangji_webhook(webhook.secret, headers, request["body"])  # a replay
    body = json.loads(request["body"])
    event = ChangeEvent.objects.get(kind="opportunity", entity_id=deal.pk)
    assert body["id"] == event.pk
    assert body["event"] == "opportunity.created"
    assert body["entity"] == {"kind": "opportunity", "id": deal.pk}
    assert body["data"]["name"] == "华联超市 春季订货"
    assert body["data"]["amount"] == "88000.00"
    assert body["data"]["owner_id"] == deal.owner_id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)
    assert delivery.duration_ms is not None


def test_retries_after_500_then_succeeds(
    receiver, subscribe, make_opportunity, committed, client, team_users
):
    webhook = subscribe(receiver.url)
    receiver.statuses = [500]
    with time_machine.travel(T0, tick=False):
        committed(lambda: make_opportunity())
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk) == (
            "retry",
            [(delivery.pk, T0 + datetime.timedelta(seconds=30))],
        )
        assert delivery_attempt(delivery_id=delivery.pk)[0] == "skipped"  # not due yet
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", 500, 1)
    assert delivery.next_attempt_at == T0 + datetime.timedelta(seconds=30)
    webhook.refresh_from_db()
    assert webhook.failing_since == T0
    with time_machine.travel(T0 + datetime.timedelta(seconds=30), tick=False):
        assert delivery_attempt(delivery_id=delivery.pk) == ("sent", [])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 2)
    log = list(delivery.attempt_log.values_list("number", "response_code", "succeeded"))
    assert log == [(1, 500, False), (2, 200, True)]
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    first, second = (request["headers"] for request in receiver.requests)
    assert first["Shangji-Delivery"] == second["Shangji-Delivery"] == str(delivery.pk)
    assert int(second["Shangji-Timestamp"]) - int(first["Shangji-Timestamp"]) == 30
    webhook.refresh_from_db()
    assert webhook.failing_since is None
    client.force_login(team_users["admin"])
    page = client.get(f"/settings/webhooks/{webhook.pk}/").text
    assert "Attempt 1 at" in page and ": 500 in" in page and "Attempt 2 at" in page


def test_a_refused_connection_is_a_failed_attempt(subscribe, make_opportunity, committed):
    subscribe("http://127.0.0.1:9/nobody-listens")
    with time_machine.travel(T0, tick=False):
        committed(lambda: make_opportunity())
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk)[0] == "retry"
    delivery.refresh_from_db()
    assert delivery.response_code is None and delivery.error


def test_deliveries_of_one_record_go_in_order(
    receiver, subscribe, make_opportunity, stages, team_users, committed
):
    from shangji.opportunities.services import opportunity_update

    subscribe(receiver.url, ["opportunity.updated"])
    rep = team_users["wangqiang"]
    with time_machine.travel(T0, tick=False):
        deal = committed(lambda: make_opportunity(owner=rep))
        other = committed(lambda: make_opportunity(owner=rep))
        deal = committed(
            lambda: opportunity_update(
                opportunity=deal, actor=rep, version=deal.version, next_step="电话"
            )
        )
        committed(
            lambda: opportunity_update(
                opportunity=deal, actor=rep, version=deal.version, stage=stages["Qualification"]
            )
        )
        committed(
            lambda: opportunity_update(
                opportunity=other, actor=rep, version=other.version, next_step="拜访"
            )
        )
        first, second, unrelated = WebhookDelivery.objects.order_by("id")
        assert (first.event_name, second.event_name) == (
            "opportunity.updated",
            "opportunity.stage_changed",
        )
        receiver.statuses = [500]
        assert delivery_attempt(delivery_id=first.pk)[0] == "retry"
        assert delivery_attempt(delivery_id=second.pk) == ("blocked", [])  # waits for the first
        assert delivery_attempt(delivery_id=unrelated.pk)[0] == "sent"  # another record
    with time_machine.travel(T0 + datetime.timedelta(seconds=30), tick=False):
        # The first succeeds and hands over to the record's next one.
        assert delivery_attempt(delivery_id=first.pk) == ("sent", [(second.pk, timezone.now())])
        assert delivery_attempt(delivery_id=second.pk)[0] == "sent"
    sent = [request["headers"]["Shangji-Delivery"] for request in receiver.requests]
    assert sent == [str(first.pk), str(unrelated.pk), str(first.pk), str(second.pk)]
    changed = [body["data"]["changed"] for body in receiver.bodies()]
    assert changed == [["next_step"], ["next_step"], ["next_step"], ["stage"]]


def test_an_endpoint_failing_for_a_day_is_disabled(
    receiver, subscribe, make_opportunity, team_users, committed
):
    webhook = subscribe(receiver.url)
    receiver.always = 503
    with time_machine.travel(T0, tick=False):
        committed(lambda: make_opportunity())
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk)[0] == "retry"
    with time_machine.travel(T0 + datetime.timedelta(hours=23, minutes=59), tick=False):
        assert delivery_attempt(delivery_id=delivery.pk)[0] == "retry"
        committed(lambda: make_opportunity())  # a second delivery queues behind nobody
    later = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    with time_machine.travel(T0 + datetime.timedelta(hours=24), tick=False):
        assert delivery_attempt(delivery_id=delivery.pk) == ("failed", [])
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert webhook.disabled_at == T0 + datetime.timedelta(hours=24)
    delivery.refresh_from_db()
    later.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert later.status == "failed" and "disabled" in later.error
    notice = Notification.objects.get(verb="webhook_disabled")
    assert notice.recipient == team_users["admin"]
    assert receiver.url in notice.text
    assert notice.url == f"/settings/webhooks/{webhook.pk}/"
    # Nothing is sent to a disabled webhook; new events make no deliveries for it.
    committed(lambda: make_opportunity())
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 3


def test_a_delivery_gives_up_after_a_day(receiver, subscribe, make_opportunity, committed):
    webhook = subscribe(receiver.url)
    with time_machine.travel(T0, tick=False):
        committed(lambda: make_opportunity())
        delivery = WebhookDelivery.objects.get()
    # Its endpoint answered others meanwhile, so it is not disabled; this one gives up.
    receiver.always = 500
    with time_machine.travel(T0 + datetime.timedelta(hours=24), tick=False):
        assert delivery_attempt(delivery_id=delivery.pk) == ("failed", [])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.completed_at is not None
    webhook.refresh_from_db()
    assert webhook.is_active and webhook.failing_since == T0 + datetime.timedelta(hours=24)


def test_redeliver_sends_the_same_body_again(receiver, subscribe, make_opportunity, committed):
    from shangji.webhooks.services import delivery_redeliver

    webhook = subscribe(receiver.url)
    with time_machine.travel(T0, tick=False):
        committed(lambda: make_opportunity())
        original = WebhookDelivery.objects.get()
        delivery_attempt(delivery_id=original.pk)
        copy = committed(lambda: delivery_redeliver(delivery=original, actor=webhook.created_by))
        assert delivery_attempt(delivery_id=copy.pk)[0] == "sent"
    assert copy.redelivery_of == original and copy.event_id == original.event_id
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert second["headers"]["Shangji-Delivery"] == str(copy.pk)


def test_test_event(receiver, subscribe, team_users):
    from shangji.webhooks.services import webhook_send_test

    webhook = subscribe(receiver.url)
    delivery = webhook_send_test(webhook=webhook, actor=team_users["admin"])
    assert delivery_attempt(delivery_id=delivery.pk)[0] == "sent"
    (request,) = receiver.requests
    assert request["headers"]["Shangji-Event"] == "ping"
    assert json.loads(request["body"])["data"]["webhook"] == webhook.pk
    assert verify_shangji_webhook(webhook.secret, request["headers"], request["body"])


def test_subscriptions_choose_the_events(receiver, subscribe, make_opportunity, stages, committed):
    from shangji.opportunities.services import opportunity_move_stage

    wins = subscribe(receiver.url, ["opportunity.won"])
    updates = subscribe(receiver.url, ["opportunity.updated", "opportunity.stage_changed"])
    deal = committed(lambda: make_opportunity())
    committed(
        lambda: opportunity_move_stage(
            opportunity=deal, stage=stages["Closed Won"], actor=deal.owner, version=deal.version
        )
    )
    names = sorted(WebhookDelivery.objects.values_list("webhook_id", "event_name"))
    # One delivery per webhook and event, however many of its subscriptions match.
    assert names == [(wins.pk, "opportunity.won"), (updates.pk, "opportunity.won")]


def test_the_sweep_fans_out_events_left_behind(receiver, subscribe, make_opportunity):
    from shangji.webhooks.delivery import deliveries_sweep
    from shangji.webhooks.tasks import send_webhook_delivery

    subscribe(receiver.url)
    with time_machine.travel(T0, tick=False):
        make_opportunity()  # its after-commit step never runs, as if the process died there
    assert not WebhookDelivery.objects.exists()
    with time_machine.travel(T0 + datetime.timedelta(seconds=31), tick=False):
        created, overdue = deliveries_sweep()
    (delivery,) = WebhookDelivery.objects.all()
    assert (created, overdue) == ([delivery.pk], [])
    assert not ChangeEvent.objects.filter(fanned_out=False).exists()
    with time_machine.travel(T0 + datetime.timedelta(minutes=3), tick=False):
        assert deliveries_sweep() == ([], [delivery.pk])  # its task was lost: queue it again
        assert send_webhook_delivery.call(delivery.pk) == "sent"
    assert receiver.bodies()[0]["event"] == "opportunity.created"
