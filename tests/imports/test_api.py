"""/api/v1/imports: create with an upload, map, check, run, follow, errors, undo; mappings."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shangji.accounts.services import account_create
from shangji.imports import engine
from shangji.opportunities.models import Opportunity
from shangji.users.services import api_token_create

from .conftest import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["Opportunity Name", "Account Name", "Amount", "Close Date", "Stage", "Owner"],
    ["API deal", "新城百货", "1,000", "2025-03-01", "Prospecting", "wangqiang"],
    ["Bad deal", "新城百货", "many", "2025-03-01", "Prospecting", "wangqiang"],
]


@pytest.fixture
def api(team_users, stages, rates):
    account_create(actor=team_users["liming"], name="新城百货")
    _token, raw = api_token_create(user=team_users["liming"], name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def post_json(api, path, body):
    return api.post(path, data=json.dumps(body), content_type="application/json")


def test_the_whole_import_through_the_api(api, team_users):
    response = api.post(
        "/api/v1/imports",
        {"kind": "opportunities", "file": SimpleUploadedFile("deals.csv", csv_bytes(ROWS))},
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["headers"][0], job["encoding"], job["delimiter"]) == (
        "new", "Opportunity Name", "utf-8", ","
    )  # fmt: skip
    assert job["mapping"]["fields"]["amount"] == {"column": "Amount"}
    pk = job["id"]

    mapping = {**job["mapping"], "good_rows_only": True}
    response = api.put(f"/api/v1/imports/{pk}/mapping", json.dumps(mapping), "application/json")
    assert (response.status_code, response.json()["good_rows_only"]) == (200, True)

    response = post_json(api, f"/api/v1/imports/{pk}/dry-run", {})
    assert (response.status_code, response.json()["status"]) == (202, "queued")
    engine.execute(pk, "dry_run", team_users["liming"].pk)
    job = api.get(f"/api/v1/imports/{pk}").json()
    assert (job["status"], job["checked"], job["percent"]) == ("checked", True, 100)
    assert job["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0,
                             "failed": 1, "accounts_created": 0}  # fmt: skip
    errors = api.get(f"/api/v1/imports/{pk}/errors").json()
    assert errors == [{"row": 3, "column": "Amount", "field": "amount", "value": "many",
                       "message": "“many” is not a number.", "skipped": False}]  # fmt: skip
    csv_text = b"".join(api.get(f"/api/v1/imports/{pk}/errors.csv").streaming_content)
    assert "“many” is not a number." in csv_text.decode("utf-8-sig")

    response = post_json(api, f"/api/v1/imports/{pk}/run", {})
    assert response.status_code == 202
    engine.execute(pk, "import", team_users["liming"].pk)
    job = api.get(f"/api/v1/imports/{pk}").json()
    assert (job["status"], job["counts"]["created"]) == ("done", 1)
    assert Opportunity.objects.get().name == "API deal"

    assert post_json(api, f"/api/v1/imports/{pk}/undo", {}).status_code == 202
    engine.execute(pk, "undo", team_users["liming"].pk)
    assert api.get(f"/api/v1/imports/{pk}").json()["status"] == "undone"
    assert not Opportunity.objects.exists()
    assert [j["id"] for j in api.get("/api/v1/imports").json()] == [pk]


def test_bad_requests_answer_400_with_the_reason(api):
    response = api.post(
        "/api/v1/imports", {"kind": "opportunities", "file": SimpleUploadedFile("x.csv", b"")}
    )
    assert (response.status_code, response.json()["errors"]) == (
        400, {"file": ["The file is empty."]}
    )  # fmt: skip
    ok = api.post(
        "/api/v1/imports",
        {"kind": "opportunities", "file": SimpleUploadedFile("d.csv", csv_bytes(ROWS))},
    ).json()
    bad = {"fields": {"amount": "Nope", "colour": "Amount"}, "options": {"date_order": "ymd"}}
    response = api.put(f"/api/v1/imports/{ok['id']}/mapping", json.dumps(bad), "application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "fields.amount": ["The file has no column “Nope”."],
        "fields.colour": ["There is no such field."],
        "options.date_order": ["Choose mdy or dmy."],
    }
    assert api.get("/api/v1/imports/999").status_code == 404


def test_saved_mappings_and_the_field_list(api, team_users):
    fields = api.get("/api/v1/imports/fields", {"kind": "contacts"}).json()
    assert [f["name"] for f in fields][:4] == ["external_id", "id", "first_name", "last_name"]
    body = {"name": "SuiteCRM", "kind": "opportunities",
            "mapping": {"fields": {"name": "Opportunity Name"}, "options": {}}}  # fmt: skip
    response = post_json(api, "/api/v1/import-mappings", body)
    assert response.status_code == 201
    saved = response.json()
    assert saved["mapping"]["fields"] == {"name": {"column": "Opportunity Name"}}
    listed = api.get("/api/v1/import-mappings", {"kind": "opportunities"}).json()
    assert [m["name"] for m in listed] == ["SuiteCRM"]
    response = api.post(
        "/api/v1/imports",
        {"kind": "opportunities", "saved_mapping": saved["id"],
         "file": SimpleUploadedFile("d.csv", csv_bytes(ROWS))},
    )  # fmt: skip
    assert response.json()["mapping"]["fields"] == {"name": {"column": "Opportunity Name"}}
    assert api.delete(f"/api/v1/import-mappings/{saved['id']}").status_code == 204
    assert api.get("/api/v1/import-mappings").json() == []


def test_other_users_imports_are_not_found(api, team_users):
    from .conftest import upload

    theirs = upload(team_users["chenjing"], "opportunities", ROWS)
    assert api.get(f"/api/v1/imports/{theirs.pk}").status_code == 404
    assert post_json(api, f"/api/v1/imports/{theirs.pk}/run", {}).status_code == 404
