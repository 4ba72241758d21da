"""Idempotency keys on POST: a retried request creates one record."""

import datetime
import hashlib
import json
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart

from shangji.api.models import IdempotencyRecord
from shangji.imports.models import ImportJob
from shangji.opportunities.models import Opportunity
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

MISMATCH = (
    "This Idempotency-Key was already used for a different request. Send a new key with a new "
    "request."
)


def _client(user):
    _token, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def _body(stages, name="幂等商机", account="幂等客户"):
    return {
        "name": name,
        "new_account": {"name": account},
        "amount": "1000.00",
        "currency": "CNY",
        "close_date": "2031-01-31",
        "stage": stages["Prospecting"].pk,
    }


def _post(client, body, key, path="/opportunities"):
    return client.post(
        "/api/v1" + path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_retry_with_the_same_key_creates_one_opportunity(team_users, stages, rates):
    client = _client(team_users["wangqiang"])
    key = str(uuid.uuid4())
    first = _post(client, _body(stages), key)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    retry = _post(client, _body(stages), key)
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Content-Type"] == first["Content-Type"]
    assert retry.json() == first.json()
    assert Opportunity.objects.count() == 1
    assert IdempotencyRecord.objects.get().status_code == 201

    # A new key runs once more.
    assert _post(client, _body(stages, account="另一家"), str(uuid.uuid4())).status_code == 201
    assert Opportunity.objects.count() == 2


def test_same_key_with_another_request_is_422(team_users, stages, rates):
    client = _client(team_users["wangqiang"])
    key = str(uuid.uuid4())
    assert _post(client, _body(stages), key).status_code == 201
    refused = _post(client, _body(stages, name="另一个商机"), key)
    assert refused.status_code == 422
    assert refused.json() == {"detail": MISMATCH, "errors": {"Idempotency-Key": [MISMATCH]}}
    other_path = _post(client, {"name": "x"}, key, path="/api-keys")
    assert other_path.status_code == 422
    assert list(Opportunity.objects.values_list("name", flat=True)) == ["幂等商机"]


def test_keys_belong_to_their_user(team_users, stages, rates):
    key = str(uuid.uuid4())
    assert _post(_client(team_users["wangqiang"]), _body(stages), key).status_code == 201
    other = _post(_client(team_users["chenjing"]), _body(stages, account="陈静的客户"), key)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert sorted(Opportunity.objects.values_list("owner__username", flat=True)) == [
        "chenjing",
        "wangqiang",
    ]
    # Another key of the same user shares the user's keys.
    replay = _post(_client(team_users["wangqiang"]), _body(stages), key)
    assert replay["Idempotent-Replayed"] == "true"
    assert Opportunity.objects.count() == 2


def test_duplicate_while_the_first_is_running_is_409(team_users, stages, rates):
    rep = team_users["wangqiang"]
    client = _client(rep)
    key = str(uuid.uuid4())
    lock = "shangji:idempotency:" + hashlib.sha256(f"{rep.pk}\0{key}".encode()).hexdigest()
    cache.add(lock, "the first request", 300)  # as the first request holds it while it runs
    refused = _post(client, _body(stages), key)
    assert refused.status_code == 409
    assert refused["Retry-After"] == "1"
    assert refused.json()["detail"].startswith("A request with this Idempotency-Key is still")
    assert not Opportunity.objects.exists()
    cache.delete(lock)  # the first one ended without an answer (e.g. it crashed)
    assert _post(client, _body(stages), key).status_code == 201


def test_a_crash_before_the_answer_is_stored_leaves_nothing(team_users, stages, rates, monkeypatch):
    client = _client(team_users["wangqiang"])
    key = str(uuid.uuid4())

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(IdempotencyRecord.objects, "create", crash)
        with pytest.raises(RuntimeError):
            _post(client, _body(stages), key)
    # The opportunity was written in the same transaction as the answer: both are gone.
    assert not Opportunity.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    retry = _post(client, _body(stages), key)  # the lock went with the crash
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Opportunity.objects.count() == 1


def test_refused_input_is_replayed_and_runs_nothing(team_users, stages, rates):
    client = _client(team_users["wangqiang"])
    key = str(uuid.uuid4())
    bad = {**_body(stages), "amount": "-5"}
    first = _post(client, bad, key)
    assert first.status_code == 400
    retry = _post(client, bad, key)
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (400, "true")
    assert retry.json() == first.json()
    assert not Opportunity.objects.exists()


def test_answers_saying_nothing_ran_are_not_kept(team_users, stages, rates):
    rep = team_users["wangqiang"]
    _token, raw = api_token_create(user=rep, scope="read-only")
    read_only = Client(headers={"Authorization": f"Bearer {raw}"})
    key = str(uuid.uuid4())
    assert _post(read_only, _body(stages), key).status_code == 403
    assert not IdempotencyRecord.objects.exists()
    assert _post(_client(rep), _body(stages), key).status_code == 201


def test_keys_expire_after_24_hours(team_users, stages, rates):
    client = _client(team_users["wangqiang"])
    key = str(uuid.uuid4())
    start = datetime.datetime(2031, 1, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert _post(client, _body(stages), key).status_code == 201
    with time_machine.travel(start + datetime.timedelta(hours=23, minutes=59), tick=False):
        assert _post(client, _body(stages), key)["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + datetime.timedelta(hours=24, seconds=1), tick=False):
        again = _post(client, _body(stages, name="第二天", account="第二天客户"), key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert sorted(Opportunity.objects.values_list("name", flat=True)) == ["幂等商机", "第二天"]
    assert IdempotencyRecord.objects.count() == 1  # the expired answer was removed


def test_a_key_too_long_is_400(team_users, stages, rates):
    response = _post(_client(team_users["wangqiang"]), _body(stages), "k" * 256)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "Idempotency-Key": ["The Idempotency-Key header must have 1 to 255 characters."]
    }
    assert not Opportunity.objects.exists()


def test_session_post_with_a_key_still_needs_csrf(team_users, stages, rates):
    browser = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    browser.force_login(team_users["wangqiang"])
    key = str(uuid.uuid4())
    assert _post(browser, _body(stages), key).status_code == 403
    browser.get("/api/v1/docs")
    csrf = browser.cookies["csrftoken"].value
    sent = browser.post(
        "/api/v1/opportunities",
        data=json.dumps(_body(stages)),
        content_type="application/json",
        headers={"Idempotency-Key": key, "X-CSRFToken": csrf},
    )
    assert sent.status_code == 201
    assert Opportunity.objects.count() == 1


def test_openapi_documents_the_header_429_and_scopes(db):
    document = Client().get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/opportunities"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is False
    assert {"409", "422", "429"} <= set(create["responses"])
    listing = document["paths"]["/api/v1/opportunities"]["get"]
    assert "Retry-After" in listing["responses"]["429"]["headers"]
    assert "Idempotency-Key" not in json.dumps(listing)
    assert (
        "read-only" in document["components"]["securitySchemes"]["BearerTokenAuth"]["description"]
    )
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert "Retry-After" in token["responses"]["429"]["headers"]  # the sign-in throttle


def test_multipart_upload_retried_with_a_new_boundary_runs_once(team_users):
    client = _client(team_users["liming"])
    key = str(uuid.uuid4())
    content = "Opportunity Name,Amount\n春季订货会,1000\n".encode()

    def upload(boundary, data=content):
        form = {"kind": "opportunities", "file": SimpleUploadedFile("deals.csv", data)}
        return client.post(
            "/api/v1/imports",
            encode_multipart(boundary, form),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Idempotency-Key": key},
        )

    first = upload("first-boundary")
    assert first.status_code == 201, first.content
    retry = upload("another-boundary")
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
    assert retry.json()["id"] == first.json()["id"]
    assert ImportJob.objects.count() == 1
    assert upload("third-boundary", content + b"x,1\n").status_code == 422
