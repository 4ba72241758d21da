"""An API client that sends JSON with a bearer token (English unless told otherwise), and
the shapes the API answers with."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from shangji.users.services import api_token_create

# The keys of every opportunity the API answers with (list rows and single records alike).
OPPORTUNITY_FIELDS = {
    "id",
    "name",
    "account",
    "account_name",
    "amount",
    "currency",
    "amount_base",
    "exchange_rate",
    "close_date",
    "pipeline",
    "stage",
    "stage_name",
    "probability",
    "forecast_category",
    "type",
    "lead_source",
    "next_step",
    "priority",
    "campaign",
    "description",
    "owner",
    "owner_username",
    "contacts",
    "competitors",
    "lost_reason",
    "external_id",
    "version",
    "created_at",
    "updated_at",
    "closed_at",
}


# The keys of every activity the API answers with.
ACTIVITY_FIELDS = {
    "id",
    "kind",
    "subject",
    "body",
    "minutes",
    "status",
    "direction",
    "priority",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "location",
    "completed_at",
    "occurred_at",
    "owner",
    "owner_username",
    "opportunity",
    "account",
    "contact",
    "lead",
    "attendees",
    "reminders",
    "attachments",
    "email",
    "version",
    "created_at",
    "updated_at",
}


class ApiClient:
    """Requests to /api/v1 as one user (or anonymously), with JSON bodies."""

    prefix = "/api/v1"

    def __init__(self, user=None, language="en"):
        headers = {"Accept-Language": language}
        if user is not None:
            _token, raw = api_token_create(user=user, name="tests")
            headers["Authorization"] = f"Bearer {raw}"
        self.client = Client(headers=headers)

    def _send(self, method, path, body=None, **params):
        url = self.prefix + path
        if params:
            pairs = [
                (key, item)
                for key, value in params.items()
                for item in (value if isinstance(value, list | tuple) else [value])
            ]
            url += "?" + urlencode(pairs)
        send = getattr(self.client, method)
        if body is None:
            return send(url)
        return send(url, data=json.dumps(body), content_type="application/json")

    def get(self, path, **params):
        return self._send("get", path, **params)

    def post(self, path, body):
        return self._send("post", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def delete(self, path, **params):
        return self._send("delete", path, **params)


@pytest.fixture
def api_as(db):
    """api_as(user) → an ApiClient authenticated with a fresh token of `user`."""

    def make(user=None, language="en"):
        return ApiClient(user, language)

    return make
