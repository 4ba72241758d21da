"""What the contract fuzzing (test_contract.py) found, pinned down as plain tests."""

import json

import pytest
from django.test import Client

from shangji.users.models import Notification
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

# No row of any table can have this id: it does not fit a 64-bit integer column (SQLite
# refused to compare with it: OverflowError, 500).
HUGE = 2**70
TOO_LARGE = "Ensure this value is less than or equal to 9223372036854775807."


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("/opportunities", {"owner": HUGE}, "owner.0"),
        ("/opportunities", {"stage": [1, HUGE]}, "stage.1"),
        ("/activities", {"owner": HUGE}, "owner.0"),
        ("/contacts", {"account": HUGE}, "account"),
        (f"/opportunities/{HUGE}", {}, "opportunity_id"),
        (f"/activities/{HUGE}", {}, "activity_id"),
    ],
)
def test_an_id_too_large_for_the_database_is_refused_by_name(
    api_as, team_users, path, params, field
):
    response = api_as(team_users["liming"]).get(path, **params)
    assert response.status_code == 422
    assert response.json() == {"detail": TOO_LARGE, "errors": {field: [TOO_LARGE]}}


def test_a_too_small_id_is_refused_in_the_callers_language(api_as, team_users):
    response = api_as(team_users["liming"], language="zh-hans").get("/activities", owner=-HUGE)
    assert response.status_code == 422
    assert response.json()["errors"] == {"owner.0": ["确保该值大于或等于-9223372036854775808。"]}


@pytest.mark.parametrize(
    "path", ["/pipeline-on", "/pipeline-changes", "/reports/pipeline-by-stage"]
)
def test_the_report_filters_refuse_an_owner_too_large_for_the_database(api_as, team_users, path):
    response = api_as(team_users["liming"]).get(path, owner=HUGE)
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == [
        f"Select a valid choice. {HUGE} is not one of the available choices."
    ]


def test_the_opportunity_list_page_refuses_an_owner_too_large_for_the_database(
    client, team_users, stages
):
    client.force_login(team_users["liming"])
    response = client.get("/opportunities/", {"owner": HUGE})
    assert response.status_code == 200
    assert f"{HUGE} is not one of the available choices" in response.content.decode()


def test_a_body_id_too_large_for_the_database_changes_nothing(api_as, team_users):
    liming = team_users["liming"]
    api = api_as(liming)
    before = Notification.objects.filter(recipient=liming, read_at=None).count()
    response = api.post("/notifications/read", {"ids": [1, HUGE]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"ids.1": [TOO_LARGE]}
    assert Notification.objects.filter(recipient=liming, read_at=None).count() == before

    meeting = {"kind": "meeting", "subject": "x", "attendee_users": [HUGE]}
    response = api.post("/activities", meeting)
    assert response.status_code == 422
    assert response.json()["errors"] == {"attendee_users.0": [TOO_LARGE]}


def test_an_unknown_api_path_answers_json_not_the_sites_page(api_as, team_users):
    for caller in (api_as(team_users["liming"]), api_as(None)):
        for path in ("/imports/not-a-number", "/nothing-here"):
            response = caller.get(path)
            assert response.status_code == 404
            assert response["Content-Type"] == "application/json; charset=utf-8"
            assert response.json() == {"detail": "Not found."}


def test_a_method_the_operation_does_not_take_answers_json_with_allow(api_as, team_users):
    response = api_as(team_users["liming"]).put("/activities", {})
    assert response.status_code == 405
    assert response.json() == {"detail": "This method is not allowed here."}
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_routing_error_keeps_the_rate_limit_headers(api_as, team_users, settings):
    settings.API_RATE_LIMIT = 100
    response = api_as(team_users["liming"]).get("/nothing-here")
    assert response.status_code == 404
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "99"


@pytest.mark.parametrize("idempotency_key", [None, "retry-1"])
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/imports"])
def test_a_broken_form_body_is_a_json_400_that_changes_nothing(team_users, path, idempotency_key):
    from shangji.accounts.models import Account
    from shangji.api.models import IdempotencyRecord

    _token, raw = api_token_create(user=team_users["liming"], name="tests")
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    # multipart/form-data without a boundary: Django cannot even split it into fields.
    response = Client(headers=headers).post(
        path, data=b"name=x", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    message = "The request body could not be read: it is not valid JSON or form data."
    assert response.json() == {"detail": message, "errors": {"__all__": [message]}}
    assert not Account.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_body_that_is_not_json_is_explained_in_the_apis_own_words(api_as, team_users):
    api = api_as(team_users["liming"])
    response = api.client.post(
        "/api/v1/accounts", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    message = "The request body could not be read: it is not valid JSON or form data."
    assert response.json() == {"detail": message, "errors": {"__all__": [message]}}


def _document():
    return json.loads(Client().get("/api/v1/openapi.json").content)


def test_the_token_endpoint_documents_its_input_errors():
    responses = _document()["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"200", "400", "401", "422"} <= set(responses)
    response = Client().post("/api/v1/auth/token", data="{}", content_type="application/json")
    assert response.status_code == 422


def test_a_conflict_or_a_running_idempotent_request_are_both_documented():
    responses = _document()["paths"]["/api/v1/leads/{lead_id}/assign"]["post"]["responses"]
    schema = responses["409"]["content"]["application/json"]["schema"]
    assert schema["anyOf"][0] == {"$ref": "#/components/schemas/ConflictOut"}
    assert schema["anyOf"][1]["required"] == ["detail"]


def test_no_operation_documents_a_status_twice():
    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)
