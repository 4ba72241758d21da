"""API keys: scopes, revocation, last use, the /api-keys endpoints and `shangji token create`."""

import datetime
import json

import pytest
import time_machine
from django.test import Client

from shangji.opportunities.models import Opportunity
from shangji.users.models import ApiToken
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

READ_ONLY_MESSAGE = "This API key is read-only: it can read but not change anything."


def _client(raw):
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def _send(client, method, path, body=None):
    send = getattr(client, method)
    if body is None:
        return send("/api/v1" + path)
    return send("/api/v1" + path, data=json.dumps(body), content_type="application/json")


def _opportunity_body(stages):
    return {
        "name": "只读商机",
        "new_account": {"name": "只读客户"},
        "amount": "10.00",
        "currency": "CNY",
        "close_date": "2031-01-31",
        "stage": stages["Prospecting"].pk,
    }


def test_read_only_key_reads_but_every_write_is_403(team_users, stages, make_opportunity):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="已有商机")
    _token, raw = api_token_create(user=rep, name="BI", scope="read-only")
    client = _client(raw)

    listed = _send(client, "get", "/opportunities")
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["已有商机"]
    assert _send(client, "get", f"/opportunities/{opportunity.pk}").status_code == 200

    writes = [
        ("post", "/opportunities", _opportunity_body(stages)),
        ("patch", f"/opportunities/{opportunity.pk}", {"name": "改名", "version": 1}),
        ("delete", f"/opportunities/{opportunity.pk}", None),
        ("post", "/api-keys", {"name": "more"}),
    ]
    for method, path, body in writes:
        response = _send(client, method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"detail": READ_ONLY_MESSAGE}
    assert list(Opportunity.objects.values_list("name", flat=True)) == ["已有商机"]
    assert ApiToken.objects.count() == 1


def test_read_write_key_writes(team_users, stages, rates):
    _token, raw = api_token_create(user=team_users["wangqiang"], name="ERP")
    response = _send(_client(raw), "post", "/opportunities", _opportunity_body(stages))
    assert response.status_code == 201
    assert Opportunity.objects.get().name == "只读商机"


def test_create_list_and_revoke_own_keys(team_users):
    rep = team_users["wangqiang"]
    _token, raw = api_token_create(user=rep, name="first")
    api_token_create(user=team_users["chenjing"], name="someone else's")
    client = _client(raw)

    created = _send(client, "post", "/api-keys", {"name": "BI 报表", "scope": "read-only"})
    assert created.status_code == 201
    body = created.json()
    key = body.pop("key")
    assert key.startswith("sj_") and body["prefix"] == key[:8]
    stored = ApiToken.objects.get(pk=body["id"])
    stored_rows = json.dumps(list(ApiToken.objects.values()), default=str)
    assert key not in stored_rows  # only its hash is kept
    created_at = datetime.datetime.fromisoformat(body.pop("created_at"))
    assert abs(created_at - stored.created_at) < datetime.timedelta(milliseconds=1)
    assert body == {
        "id": stored.pk,
        "name": "BI 报表",
        "prefix": key[:8],
        "scope": "read-only",
        "user": rep.pk,
        "username": "wangqiang",
        "last_used_at": None,
    }
    # The new key works, read-only.
    assert _send(_client(key), "get", "/api-keys").status_code == 200

    listed = _send(client, "get", "/api-keys").json()
    assert [(row["name"], row["scope"]) for row in listed] == [
        ("BI 报表", "read-only"),
        ("first", "read-write"),
    ]
    others = ApiToken.objects.get(name="someone else's")
    assert _send(client, "delete", f"/api-keys/{others.pk}").status_code == 404
    others.refresh_from_db()
    assert others.revoked_at is None

    assert _send(client, "delete", f"/api-keys/{stored.pk}").status_code == 204
    assert _send(_client(key), "get", "/api-keys").status_code == 401
    assert [row["name"] for row in _send(client, "get", "/api-keys").json()] == ["first"]
    # Revoking twice: the key is gone from the caller's view.
    assert _send(client, "delete", f"/api-keys/{stored.pk}").status_code == 404


def test_revoked_key_is_401(team_users):
    token, raw = api_token_create(user=team_users["chenjing"])
    assert _send(_client(raw), "get", "/users").status_code == 200
    _send(_client(raw), "delete", f"/api-keys/{token.pk}")
    response = _send(_client(raw), "get", "/users")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_admin_lists_and_revokes_every_key(team_users):
    rep_token, rep_raw = api_token_create(user=team_users["zhaolei"], name="rep key")
    _token, admin_raw = api_token_create(user=team_users["admin"], name="admin key")
    admin = _client(admin_raw)
    listed = _send(admin, "get", "/api-keys").json()
    assert sorted((row["username"], row["name"]) for row in listed) == [
        ("admin", "admin key"),
        ("zhaolei", "rep key"),
    ]
    assert _send(admin, "delete", f"/api-keys/{rep_token.pk}").status_code == 204
    assert _send(_client(rep_raw), "get", "/users").status_code == 401
    # An executive reads everything, but keys are not opportunities: only their own.
    _token, executive_raw = api_token_create(user=team_users["zhangyue"], name="exec")
    assert [row["name"] for row in _send(_client(executive_raw), "get", "/api-keys").json()] == [
        "exec"
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x", "user": 1}, "user"),
    ],
)
def test_bad_key_requests_are_422(team_users, body, field):
    _token, raw = api_token_create(user=team_users["wangqiang"])
    response = _send(_client(raw), "post", "/api-keys", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert ApiToken.objects.count() == 1


def test_last_use_is_recorded_at_most_once_a_minute(team_users):
    token, raw = api_token_create(user=team_users["wangqiang"])
    start = datetime.datetime(2031, 3, 1, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _send(_client(raw), "get", "/users")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        _send(_client(raw), "get", "/users")
    token.refresh_from_db()
    assert token.last_used_at == start  # not written again within the minute
    later = start + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        listed = _send(_client(raw), "get", "/api-keys").json()
    token.refresh_from_db()
    assert token.last_used_at == later
    assert listed[0]["last_used_at"] == "2031-03-01T08:01:01Z"


def test_cli_token_create_read_only(team_users, capsys):
    from shangji import cli

    assert cli.main(["token", "create", "wangqiang", "--name", "BI", "--read-only"]) == 0
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.prefix) == ("BI", "read-only", raw[:8])
    assert cli.main(["token", "create", "chenjing"]) == 0
    assert ApiToken.objects.get(user__username="chenjing").scope == "read-write"
