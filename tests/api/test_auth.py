import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from shangji.users.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def _post_json(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def _opportunity_body(stages):
    return {
        "name": "会话商机",
        "new_account": {"name": "会话客户"},
        "amount": "10.00",
        "currency": "CNY",
        "close_date": "2031-01-31",
        "stage": stages["Prospecting"].pk,
    }


def test_token_for_good_credentials_opens_the_api(team_users):
    client = Client(headers={"Accept-Language": "en"})
    response = _post_json(client, TOKEN_URL, {"username": "wangqiang", "password": "demo1234"})
    assert response.status_code == 200
    raw = response.json()["token"]
    assert raw.startswith("sj_") and len(raw) > 30
    token = ApiToken.objects.get()
    assert token.user == team_users["wangqiang"] and token.prefix == raw[:8]

    listed = client.get("/api/v1/users", headers={"Authorization": f"Bearer {raw}"})
    assert listed.status_code == 200
    assert "wangqiang" in [user["username"] for user in listed.json()]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("username", "password"), [("wangqiang", "wrong"), ("nobody", "demo1234"), ("", "")]
)
def test_token_for_wrong_credentials_is_401(team_users, username, password):
    client = Client(headers={"Accept-Language": "en"})
    response = _post_json(client, TOKEN_URL, {"username": username, "password": password})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "Please enter a correct username and password. Note that both fields may be "
        "case-sensitive."
    }
    assert not ApiToken.objects.exists()


def test_token_for_deactivated_user_is_401(team_users):
    user = team_users["chenjing"]
    user.is_active = False
    user.save()
    response = _post_json(Client(), TOKEN_URL, {"username": "chenjing", "password": "demo1234"})
    assert response.status_code == 401


def test_token_request_missing_password_is_422_with_field_errors(team_users):
    client = Client(headers={"Accept-Language": "en"})
    response = _post_json(client, TOKEN_URL, {"username": "wangqiang"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"password": ["This field is required."]}


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_credentials_is_401(team_users, stages, method):
    client = Client(headers={"Accept-Language": "en"})
    if method == "get":
        response = client.get("/api/v1/opportunities")
    else:
        response = _post_json(client, "/api/v1/opportunities", _opportunity_body(stages))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == (
        "Authentication credentials were not provided or are not valid."
    )


def test_unknown_revoked_or_deactivated_token_is_401(team_users, api_as):
    assert api_as(None).get("/opportunities").status_code == 401
    bad = Client(headers={"Authorization": "Bearer sj_not-a-token"})
    assert bad.get("/api/v1/opportunities").status_code == 401

    client = api_as(team_users["chenjing"])
    assert client.get("/opportunities").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/opportunities").status_code == 401

    other = api_as(team_users["zhaolei"])
    team_users["zhaolei"].is_active = False
    team_users["zhaolei"].save()
    assert other.get("/opportunities").status_code == 401


def test_session_works_and_post_needs_csrf(team_users, stages, rates):
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(team_users["wangqiang"])
    assert client.get("/api/v1/opportunities").json() == {"results": [], "next_cursor": None}

    refused = _post_json(client, "/api/v1/opportunities", _opportunity_body(stages))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF check Failed"}

    # The docs page hands out the CSRF token (and sets its cookie), as a page would.
    assert client.get("/api/v1/docs").status_code == 200
    csrf = client.cookies["csrftoken"].value
    created = _post_json(
        client, "/api/v1/opportunities", _opportunity_body(stages), **{"X-CSRFToken": csrf}
    )
    assert created.status_code == 201
    assert created.json()["owner_username"] == "wangqiang"


def test_bearer_token_needs_no_csrf_even_with_a_session(team_users, stages, rates):
    from shangji.users.services import api_token_create

    _token, raw = api_token_create(user=team_users["wangqiang"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_users["wangqiang"])
    response = _post_json(
        client, "/api/v1/opportunities", _opportunity_body(stages), Authorization=f"Bearer {raw}"
    )
    assert response.status_code == 201


def test_token_user_time_zone_and_language_apply(team_users, api_as, make_opportunity):
    """A token request gets the user's chosen language, like a signed-in page does."""
    rep = team_users["wangqiang"]
    rep.language = "en"
    rep.save()
    make_opportunity(owner=rep, close_date=datetime.date(2031, 1, 1))
    response = api_as(rep, language="zh-hans").get("/pipelines")
    assert response.json()[0]["stages"][0]["label"] == "Prospecting"
    chinese = api_as(team_users["chenjing"], language="zh-hans").get("/pipelines")
    assert chinese.json()[0]["stages"][0]["label"] == "初步接触"
