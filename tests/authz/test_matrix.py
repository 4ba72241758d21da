"""Every page and every API operation, for every role and relation, against rules.RULES.

One test per cell: `test_page[opportunities:opportunity_edit-rep-foreign]` is the rep posting
the edit form of another team's opportunity (404: it is not theirs to see).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from .requests import activity_api_call, activity_page_call, api_call, page_call, send
from .rules import (
    API,
    BODY_REFERENCES,
    PAGES,
    ROLES,
    RULES,
    UNCLASSIFIED_BY_DESIGN,
    expected,
)

pytestmark = pytest.mark.django_db

# Activities come in three kinds with different rules: on a deal or lead (the owner rule), on an
# account alone (the shared directory). The activity endpoints are driven with each.
ACTIVITY_VARIANTS = {"activity": "owned", "lead_activity": "owned", "account_activity": "directory"}
ACTIVITY_PAGES = [
    "activities:activity_detail",
    "activities:activity_edit",
    "activities:activity_complete",
    "activities:activity_delete",
]
ACTIVITY_OPERATIONS = [operation for operation in API if "{activity_id}" in operation[1]]


def _cells(table):
    for name, (_kind, _action, relations) in table.items():
        for role in ROLES:
            for relation in relations:
                yield pytest.param(name, role, relation, id=f"{_id(name)}-{role}-{relation}")


def _id(name):
    return name if isinstance(name, str) else " ".join(name)


def _variant_cells(names):
    for name in names:
        for variant in ACTIVITY_VARIANTS:
            if variant == "activity":
                continue  # the table's own cells
            for role in ROLES:
                for relation in ("own", "team", "foreign"):
                    yield pytest.param(
                        name, variant, role, relation, id=f"{_id(name)}-{variant}-{role}-{relation}"
                    )


def _outcome(call, response, world):
    if call.outcome is not None:
        return call.outcome(response, world)
    if response.status_code in call.ok:
        return "allow"
    return response.status_code


def _check(call, response, world, want, action, before=None):
    if response.status_code == 302 and not call.signs_out:
        assert not response["Location"].startswith("/login/"), "the session was not signed in"
    got = _outcome(call, response, world)
    detail = response.content[:300] if response.status_code != 200 else b""
    assert got == want, (
        f"{call.method.upper()} {call.path} {call.params or ''} → {response.status_code}, "
        f"expected {want}: {detail!r}"
    )
    if call.target is None or action not in ("change", "delete"):
        return
    after = _state(call.target)
    if action == "delete":
        assert (after is None) == (want == "allow"), "an allowed delete deletes, a refused one not"
    elif want != "allow":
        assert after == before, "a refused change changed the record"


def _state(record):
    """What a refused write must leave alone: the row (None when gone) and its version."""
    model = type(record)
    rows = model._base_manager.filter(pk=record.pk)
    if model.__name__ == "ApiToken":  # API keys are revoked, not deleted
        rows = rows.filter(revoked_at__isnull=True)
    found = rows.values().first()
    if found is None:
        return None
    return {key: value for key, value in found.items() if key not in ("last_used_at",)}


def _run(client, call, world, want, action, *, api):
    before = _state(call.target) if call.target is not None else None
    response = send(client, call, api=api)
    _check(call, response, world, want, action, before)


@pytest.mark.parametrize(("name", "role", "relation"), list(_cells(PAGES)))
def test_page(name, role, relation, world, page_as):
    kind, action, _relations = PAGES[name]
    call = page_call(name, world, role, relation)
    _run(page_as(role), call, world, expected(kind, role, relation, action), action, api=False)


@pytest.mark.parametrize(("operation", "role", "relation"), list(_cells(API)))
def test_api(operation, role, relation, world, api_of):
    kind, action, _relations = API[operation]
    call = api_call(operation, world, role, relation)
    want = expected(kind, role, relation, action)
    if want == 404 and operation in BODY_REFERENCES:
        want = 400
    _run(api_of(role).client, call, world, want, action, api=True)


@pytest.mark.parametrize(
    ("name", "variant", "role", "relation"), list(_variant_cells(ACTIVITY_PAGES))
)
def test_activity_page(name, variant, role, relation, world, page_as):
    _kind, action, _relations = PAGES[name]
    call = activity_page_call(name, world, role, relation, variant)
    want = expected(ACTIVITY_VARIANTS[variant], role, relation, action)
    _run(page_as(role), call, world, want, action, api=False)


@pytest.mark.parametrize(
    ("operation", "variant", "role", "relation"), list(_variant_cells(ACTIVITY_OPERATIONS))
)
def test_activity_api(operation, variant, role, relation, world, api_of):
    _kind, action, _relations = API[operation]
    call = activity_api_call(operation, world, role, relation, variant)
    want = expected(ACTIVITY_VARIANTS[variant], role, relation, action)
    _run(api_of(role).client, call, world, want, action, api=True)


# --- every endpoint is in the table ----------------------------------------------------------


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin site: see test_admin_site_is_staff_only
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_page_is_classified():
    names = {
        name for name in _url_names(get_resolver().url_patterns) if not name.startswith("api:")
    }
    assert names - set(PAGES) == set(), "classify these pages in tests/authz/rules.py"
    assert set(PAGES) - names == set(), "these pages are gone: remove them from rules.py"


def test_every_api_operation_is_classified(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations - set(API) == set(), "classify these operations in tests/authz/rules.py"
    assert set(API) - operations == set(), "these operations are gone: remove them"


def test_every_api_route_is_documented(client):
    """The resolver's API routes are the OpenAPI document's (nothing undocumented to miss)."""
    routes = {name for name in _url_names(get_resolver().url_patterns) if name.startswith("api:")}
    document = client.get("/api/v1/openapi.json").json()
    operation_ids = {
        item[method]["operationId"].removeprefix("shangji_api_")
        for item in document["paths"].values()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    undocumented = {
        route.removeprefix("api:")
        for route in routes - UNCLASSIFIED_BY_DESIGN
        if not any(op.endswith(route.removeprefix("api:")) for op in operation_ids)
    }
    assert undocumented == set()


def test_every_rule_kind_is_used():
    used = {kind for kind, _action, _relations in [*PAGES.values(), *API.values()]}
    assert set(RULES) - used == set()


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_staff_only(role, world, page_as):
    response = page_as(role).get("/admin/")
    if role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
