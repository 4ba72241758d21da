"""What the API's guards add to every operation, written into the OpenAPI document.

The guards (api/middleware.py) sit in front of ninja, so ninja cannot see them: this adds the
rate-limit answer (429) to every authenticated operation, the Idempotency-Key header and its
answers to every authenticated POST, and the key scopes to the bearer scheme. It also adds the
answers ninja gives before any endpoint runs: 422 for input that does not fit, 400 for a body
that is not JSON.
"""

import copy
from functools import wraps

from ninja import NinjaAPI

from .idempotency import KEY_MAX_LENGTH

_MESSAGE = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_VALIDATION = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "errors"],
}
_SECONDS = {"schema": {"type": "integer", "minimum": 1}}

RATE_LIMITS_TEXT = (
    "Requests are counted per API key (per user for the browser session) in a one-minute "
    "window that starts with the first request: reads (GET) and writes (POST, PUT, PATCH, "
    "DELETE) apart, against limits the server sets (by default 600 reads and 120 writes a "
    "minute). Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and "
    "`X-RateLimit-Reset` (seconds until the window ends); over the limit the answer is 429 "
    "with `Retry-After` (seconds)."
)
IDEMPOTENCY_TEXT = (
    f"Optional. Any unique string (a UUID is best), at most {KEY_MAX_LENGTH} characters. The "
    "first request with a key runs and its answer is kept for 24 hours; the same request sent "
    "again with "
    "the same key gets that answer again, with the header `Idempotent-Replayed: true`, and "
    "changes nothing. The same key with a different request (method, path, query or body) is "
    "refused with 422; while the first request is still running a retry gets 409 (retry "
    "after `Retry-After` seconds). Answers 401, 403, 409, 429 and 5xx are not kept: the "
    "request did nothing and may be retried with the same key."
)
SCOPES_TEXT = (
    "An API key (`Authorization: Bearer <key>`) from the profile page, POST /api-keys or "
    "`shangji token create`. Scope `read-write`: everything its user may do; scope "
    "`read-only`: every POST, PUT, PATCH and DELETE is refused with 403."
)


def _response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _one_key_per_status(responses: dict) -> dict:
    """Ninja keys a response by int, `openapi_extra` by str: JSON would carry one status twice.
    One entry per status; what was written by hand (str) adds to ninja's and wins."""
    merged: dict[str, dict] = {}
    for status, response in sorted(responses.items(), key=lambda item: isinstance(item[0], str)):
        merged[str(status)] = {**merged.get(str(status), {}), **response}
    return merged


def _add_response(responses: dict, status: int, response: dict, *, merge: bool = False) -> None:
    """Document `response` for `status` unless the endpoint documents its own answer; with
    `merge`, the body may be either (e.g. a version conflict or a running idempotent request).
    """
    own = responses.pop(str(status), None)
    if own is None:
        responses[str(status)] = response
        return
    own_schema = own.get("content", {}).get("application/json", {}).get("schema")
    guard_schema = response["content"]["application/json"]["schema"]
    if merge and own_schema is not None and own_schema != guard_schema:
        own = copy.deepcopy(own)
        own["content"]["application/json"]["schema"] = {"anyOf": [own_schema, guard_schema]}
        own["description"] = f"{own['description']} Or: {response['description']}"
    responses[str(status)] = own


def _add_guards(document: dict) -> dict:
    document = copy.deepcopy(document)
    schemes = document.get("components", {}).get("securitySchemes", {})
    if "BearerTokenAuth" in schemes:
        schemes["BearerTokenAuth"]["description"] = SCOPES_TEXT
    too_many = _response(
        "Too many requests. " + RATE_LIMITS_TEXT,
        _MESSAGE,
        {"Retry-After": {"description": "Seconds to wait.", **_SECONDS}},
    )
    running = _response("The request with this Idempotency-Key is running.", _MESSAGE)
    invalid = _response("Invalid input.", _VALIDATION)
    bad_request = _response("Bad request.", _VALIDATION)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = _one_key_per_status(operation.setdefault("responses", {}))
            operation["responses"] = responses
            # Ninja refuses input that does not fit the operation's schema before the
            # endpoint runs (a body that is not JSON: 400), also where no one signs in.
            if operation.get("requestBody") or operation.get("parameters"):
                _add_response(responses, 422, invalid)
            if operation.get("requestBody"):
                _add_response(responses, 400, bad_request)
            if not operation.get("security"):
                continue
            _add_response(responses, 429, too_many)
            if method != "post":
                continue
            operation.setdefault("parameters", []).append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": IDEMPOTENCY_TEXT,
                    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH},
                }
            )
            _add_response(responses, 409, running, merge=True)
            _add_response(responses, 422, invalid)
            _add_response(responses, 400, bad_request)
    return document


def document_guards(api: NinjaAPI) -> None:
    """Make the API's OpenAPI document describe the rate limits, idempotency keys and scopes."""
    original = api.get_openapi_schema

    @wraps(original)
    def get_openapi_schema(*args, **kwargs):
        return _add_guards(original(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]
