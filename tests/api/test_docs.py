import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document_is_3_1_and_complete():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] == "Shangji API"
    paths = document["paths"]
    expected = {
        "/api/v1/auth/token": {"post"},
        "/api/v1/api-keys": {"get", "post"},
        "/api/v1/api-keys/{key_id}": {"delete"},
        "/api/v1/opportunities": {"get", "post"},
        "/api/v1/opportunities/{opportunity_id}": {"get", "patch", "delete"},
        "/api/v1/opportunities/{opportunity_id}/history": {"get"},
        "/api/v1/opportunities/{opportunity_id}/contacts/{contact_id}": {"put", "delete"},
        "/api/v1/opportunities/{opportunity_id}/competitors": {"post"},
        "/api/v1/opportunities/{opportunity_id}/competitors/{competitor_id}": {"patch", "delete"},
        "/api/v1/accounts": {"get", "post"},
        "/api/v1/accounts/{account_id}": {"get", "patch"},
        "/api/v1/contacts": {"get", "post"},
        "/api/v1/contacts/{contact_id}": {"get", "patch"},
        "/api/v1/leads": {"get", "post"},
        "/api/v1/leads/export": {"get"},
        "/api/v1/leads/{lead_id}": {"get", "patch", "delete"},
        "/api/v1/leads/{lead_id}/assign": {"post"},
        "/api/v1/leads/{lead_id}/convert": {"post"},
        "/api/v1/leads/{lead_id}/timeline": {"get"},
        "/api/v1/pipelines": {"get", "post"},
        "/api/v1/pipelines/{pipeline_id}/stages": {"post"},
        "/api/v1/stages/{stage_id}": {"patch"},
        "/api/v1/stages/{stage_id}/move": {"post"},
        "/api/v1/stages/{stage_id}/retire": {"post"},
        "/api/v1/stages/{stage_id}/restore": {"post"},
        "/api/v1/users": {"get"},
        "/api/v1/users/{user_id}": {"patch"},
        "/api/v1/me": {"get", "patch"},
        "/api/v1/me/calendar-feed": {"post", "delete"},
        "/api/v1/organisation": {"get", "patch"},
        "/api/v1/mail-settings": {"get", "patch"},
        "/api/v1/mail-settings/test": {"post"},
        "/api/v1/activities": {"get", "post"},
        "/api/v1/activities/{activity_id}": {"get", "patch", "delete"},
        "/api/v1/activities/{activity_id}/complete": {"post"},
        "/api/v1/emails": {"post"},
        "/api/v1/emails/import": {"post"},
        "/api/v1/opportunities/{opportunity_id}/timeline": {"get"},
        "/api/v1/accounts/{account_id}/timeline": {"get"},
        "/api/v1/contacts/{contact_id}/timeline": {"get"},
        "/api/v1/notifications": {"get"},
        "/api/v1/notifications/read": {"post"},
        "/api/v1/board": {"get"},
        "/api/v1/board/columns/{stage_id}": {"get"},
        "/api/v1/reports/{slug}": {"get"},
        "/api/v1/forecast/accuracy": {"get"},
        "/api/v1/forecast": {"get"},
        "/api/v1/quotas": {"get", "put"},
        "/api/v1/dashboard": {"get"},
        "/api/v1/pipeline-on": {"get"},
        "/api/v1/pipeline-changes": {"get"},
        "/api/v1/opportunities/export": {"get"},
        "/api/v1/opportunities/bulk-update": {"post"},
        "/api/v1/opportunities/bulk-update/{job_id}": {"get"},
        "/api/v1/saved-views": {"get", "post"},
        "/api/v1/saved-views/{view_id}": {"get", "patch", "delete"},
        "/api/v1/imports": {"get", "post"},
        "/api/v1/imports/fields": {"get"},
        "/api/v1/imports/{import_id}": {"get", "delete"},
        "/api/v1/imports/{import_id}/mapping": {"put"},
        "/api/v1/imports/{import_id}/dry-run": {"post"},
        "/api/v1/imports/{import_id}/run": {"post"},
        "/api/v1/imports/{import_id}/undo": {"post"},
        "/api/v1/imports/{import_id}/errors": {"get"},
        "/api/v1/imports/{import_id}/errors.csv": {"get"},
        "/api/v1/import-mappings": {"get", "post"},
        "/api/v1/import-mappings/{mapping_id}": {"delete"},
        "/api/v1/changes": {"get"},
        "/api/v1/webhooks": {"get", "post"},
        "/api/v1/webhooks/{webhook_id}": {"get", "patch", "delete"},
        "/api/v1/webhooks/{webhook_id}/deliveries": {"get"},
        "/api/v1/webhooks/{webhook_id}/test": {"post"},
        "/api/v1/webhook-deliveries/{delivery_id}/redeliver": {"post"},
        "/api/v1/audit-log": {"get"},
    }
    assert {path: set(operations) for path, operations in paths.items()} == expected
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)
            assert operation["responses"], (method, path)
            if path != "/api/v1/auth/token":
                assert "401" in operation["responses"], (method, path)
                assert operation["security"], (method, path)
    opportunity = document["components"]["schemas"]["OpportunityOut"]["properties"]
    assert opportunity["amount"]["type"] == "string"
    assert opportunity["amount"]["format"] == "decimal"
    conflict = paths["/api/v1/opportunities/{opportunity_id}"]["patch"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")
    parameters = {p["name"] for p in paths["/api/v1/opportunities"]["get"]["parameters"]}
    assert {
        "q",
        "stage",
        "owner",
        "status",
        "close_period",
        "ordering",
        "cursor",
        "limit",
        "mine",
        "amount_min",
        "close_date_from",
    } <= parameters
    activity_parameters = {p["name"] for p in paths["/api/v1/activities"]["get"]["parameters"]}
    assert {
        "kind",
        "status",
        "owner",
        "mine",
        "open",
        "opportunity",
        "account",
        "contact",
        "starts_from",
        "starts_to",
        "ordering",
        "cursor",
        "limit",
    } <= activity_parameters
    activity = document["components"]["schemas"]["ActivityOut"]["properties"]
    assert {"attendees", "reminders", "attachments", "email", "version"} <= set(activity)
    for path in ("/api/v1/emails", "/api/v1/emails/import"):
        content = paths[path]["post"]["requestBody"]["content"]
        assert set(content) == {"application/json", "multipart/form-data"}, path
        assert "$ref" not in json.dumps(content), path  # the body schemas are written out
    upload = paths["/api/v1/emails/import"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert "raw" in upload["application/json"]["schema"]["properties"]
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_docs_page_loads_nothing_from_another_host():
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert len(urls) >= 4
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
        assert url.startswith("/api/v1/docs/assets/"), url
    assert "http://" not in html and "https://" not in html
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None  # no badge fetched from swagger.io
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content)
        assert len(body) > 500
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js")["Content-Type"] in {
        "text/javascript",
        "application/javascript",
    }
    assert client.get("/api/v1/docs/assets/redoc.standalone.js.map").status_code == 404
    assert client.get("/api/v1/docs/assets/..%2F..%2F__init__.py").status_code == 404
