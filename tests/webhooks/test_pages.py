"""The webhook settings pages and the /webhooks API: administrators only."""

import pytest
from django.test import Client
from django.urls import reverse

from shangji.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_pages_are_for_administrators(team_users, subscribe):
    webhook = subscribe("https://erp.example.com/hooks")
    urls = [
        reverse("webhooks:webhook_list"),
        reverse("webhooks:webhook_create"),
        reverse("webhooks:webhook_detail", args=[webhook.pk]),
        reverse("webhooks:webhook_edit", args=[webhook.pk]),
        reverse("webhooks:webhook_delete", args=[webhook.pk]),
    ]
    for name in ("zhangyue", "liming", "wangqiang"):
        client = signed_in(team_users[name])
        assert {client.get(url).status_code for url in urls} == {403}, name
        assert client.post(reverse("webhooks:webhook_test", args=[webhook.pk])).status_code == 403
    assert Client().get(urls[0]).status_code == 302  # to the sign-in page
    admin = signed_in(team_users["admin"])
    for url in urls:
        assert admin.get(url).status_code == 200, url


def test_create_edit_rotate_test_redeliver_delete(team_users):
    admin = signed_in(team_users["admin"])
    answer = admin.post(
        reverse("webhooks:webhook_create"),
        {"name": "ERP", "url": "ftp://erp.example.com", "events": ["opportunity.won"]},
    )
    assert answer.status_code == 200 and "Enter an http:// or https:// URL." in answer.text
    answer = admin.post(
        reverse("webhooks:webhook_create"),
        {"name": "ERP", "url": "https://erp.example.com/hooks", "is_active": "on"},
    )
    assert "Choose at least one event." in answer.text
    answer = admin.post(
        reverse("webhooks:webhook_create"),
        {
            "name": "ERP",
            "url": "https://erp.example.com/hooks",
            "events": ["opportunity.won", "lead.converted"],
            "is_active": "on",
        },
    )
    webhook = Webhook.objects.get()
    assert answer.status_code == 302 and answer.url == f"/settings/webhooks/{webhook.pk}/"
    assert (webhook.events, webhook.created_by) == (
        ["opportunity.won", "lead.converted"],
        team_users["admin"],
    )
    page = admin.get(answer.url).text
    assert webhook.secret in page and webhook.secret.startswith("whsec_")
    old_secret = webhook.secret
    admin.post(reverse("webhooks:webhook_rotate_secret", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert webhook.secret != old_secret
    admin.post(
        reverse("webhooks:webhook_edit", args=[webhook.pk]),
        {"name": "ERP", "url": "http://10.0.0.5/hooks", "events": ["import.finished"]},
    )
    webhook.refresh_from_db()
    assert (webhook.url, webhook.events, webhook.is_active) == (
        "http://10.0.0.5/hooks",
        ["import.finished"],
        False,
    )
    admin.post(reverse("webhooks:webhook_test", args=[webhook.pk]))
    ping = WebhookDelivery.objects.get()
    assert (ping.event_name, ping.status) == ("ping", "pending")
    page = admin.get(reverse("webhooks:webhook_detail", args=[webhook.pk])).text
    assert "ping" in page and "Redeliver" in page
    admin.post(reverse("webhooks:delivery_redeliver", args=[ping.pk]))
    assert WebhookDelivery.objects.filter(redelivery_of=ping).count() == 1
    answer = admin.post(reverse("webhooks:webhook_delete", args=[webhook.pk]))
    assert answer.url == "/settings/webhooks/"
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_api(api_as, team_users):
    admin = api_as(team_users["admin"])
    answer = admin.post(
        "/webhooks",
        {"url": "https://erp.example.com/hooks", "events": ["opportunity.created"], "name": "ERP"},
    )
    assert answer.status_code == 201
    created = answer.json()
    assert created["secret"].startswith("whsec_") and created["is_active"] is True
    path = f"/webhooks/{created['id']}"
    bad = admin.post("/webhooks", {"url": "erp", "events": ["opportunity.eaten"]})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"url", "events"}
    changed = admin.patch(path, {"events": ["activity.completed"], "rotate_secret": True}).json()
    assert changed["events"] == ["activity.completed"] and changed["secret"] != created["secret"]
    assert [hook["id"] for hook in admin.get("/webhooks").json()] == [created["id"]]
    assert admin.post(f"{path}/test", {}).status_code == 202
    (ping,) = admin.get(f"{path}/deliveries").json()
    assert (ping["event_name"], ping["status"], ping["attempt_log"]) == ("ping", "pending", [])
    again = admin.post(f"/webhook-deliveries/{ping['id']}/redeliver", {})
    assert again.status_code == 202 and again.json()["redelivery_of"] == ping["id"]
    rep = api_as(team_users["wangqiang"])
    assert rep.get("/webhooks").status_code == 403
    assert rep.get(path).status_code == 403
    assert rep.post("/webhooks", {"url": "https://x.example", "events": []}).status_code == 403
    assert rep.post(f"/webhook-deliveries/{ping['id']}/redeliver", {}).status_code == 403
    assert admin.delete(path).status_code == 204
    assert admin.get(path).status_code == 404
