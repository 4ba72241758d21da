"""Rate limits on /api/v1/: per key, per session user, reads and writes apart, 429 + Retry-After."""

import datetime
import json

import pytest
import time_machine
from django.test import Client

from shangji.users.models import ApiToken
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

START = datetime.datetime(2031, 3, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_LIMIT_UNSAFE = 2


def _client(user, **token_fields):
    _token, raw = api_token_create(user=user, **token_fields)
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def _post(client, path, body):
    return client.post("/api/v1" + path, data=json.dumps(body), content_type="application/json")


def _limits(response):
    return (
        response.status_code,
        response.get("X-RateLimit-Limit"),
        response.get("X-RateLimit-Remaining"),
        response.get("Retry-After"),
    )


def test_reads_over_the_limit_get_429_until_the_window_ends(team_users):
    client = _client(team_users["wangqiang"])
    with time_machine.travel(START, tick=False) as clock:
        assert [_limits(client.get("/api/v1/users")) for _ in range(3)] == [
            (200, "3", "2", None),
            (200, "3", "1", None),
            (200, "3", "0", None),
        ]
        clock.shift(datetime.timedelta(seconds=20))
        refused = client.get("/api/v1/users")
        assert _limits(refused) == (429, "3", "0", "40")  # the window started at START
        assert refused["Content-Type"] == "application/json; charset=utf-8"
        assert refused.json() == {
            "detail": "Too many requests: the limit is 3 a minute. Retry in 40 seconds."
        }
        clock.shift(datetime.timedelta(seconds=39))
        assert _limits(client.get("/api/v1/users"))[:2] == (429, "3")
        clock.shift(datetime.timedelta(seconds=1))  # START + 60 s: a new window
        assert _limits(client.get("/api/v1/users")) == (200, "3", "2", None)


def test_each_key_and_each_session_user_has_its_own_counter(team_users):
    rep = team_users["wangqiang"]
    first, second = _client(rep), _client(rep)
    with time_machine.travel(START, tick=False):
        browser = Client(headers={"Accept-Language": "en"})
        browser.force_login(rep)
        for _ in range(3):
            first.get("/api/v1/users")
        assert first.get("/api/v1/users").status_code == 429
        assert _limits(second.get("/api/v1/users")) == (200, "3", "2", None)
        assert _limits(browser.get("/api/v1/users")) == (200, "3", "2", None)
        other = Client(headers={"Accept-Language": "en"})
        other.force_login(team_users["chenjing"])
        assert _limits(other.get("/api/v1/users")) == (200, "3", "2", None)


def test_writes_have_their_own_smaller_limit_and_a_refused_write_runs_nothing(team_users):
    client = _client(team_users["wangqiang"])
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert client.get("/api/v1/users").status_code == 200
        assert client.get("/api/v1/users").status_code == 429
        first = _post(client, "/api-keys", {"name": "one"})
        second = _post(client, "/api-keys", {"name": "two"})
        assert [_limits(first), _limits(second)] == [(201, "2", "1", None), (201, "2", "0", None)]
        refused = _post(client, "/api-keys", {"name": "three"})
        assert _limits(refused) == (429, "2", "0", "60")
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["", "one", "two"]


def test_session_user_is_limited_too(team_users):
    with time_machine.travel(START, tick=False):
        browser = Client(headers={"Accept-Language": "en"})
        browser.force_login(team_users["liming"])
        assert [browser.get("/api/v1/users").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_zero_turns_the_limit_off(settings, team_users):
    settings.API_RATE_LIMIT = 0
    client = _client(team_users["wangqiang"])
    with time_machine.travel(START, tick=False):
        responses = [client.get("/api/v1/users") for _ in range(5)]
    assert [response.status_code for response in responses] == [200] * 5
    assert "X-RateLimit-Limit" not in responses[-1]
    # Writes keep their own limit.
    assert _limits(_post(client, "/notifications/read", {}))[:3] == (200, "2", "1")


def test_callers_without_credentials_are_not_counted(team_users):
    anonymous = Client(headers={"Authorization": "Bearer sj_nonsense"})
    with time_machine.travel(START, tick=False):
        responses = [anonymous.get("/api/v1/users") for _ in range(5)]
    assert [response.status_code for response in responses] == [401] * 5
    assert "X-RateLimit-Limit" not in responses[-1]


def test_pages_are_not_rate_limited(client, team_users):
    with time_machine.travel(START, tick=False):
        client.force_login(team_users["wangqiang"])
        statuses = [client.get("/profile/").status_code for _ in range(5)]
    assert statuses == [200] * 5
