"""The organisation setting "everyone can read all opportunities" widens reading, never editing:
with it on, every record under the owner rule is read by everyone, and changing one that is
not yours (or your team's) is 403 instead of 404."""

import pytest

from .conftest import USERNAMES
from .requests import activity_api_call, activity_page_call, api_call, page_call
from .rules import API, PAGES, expected_when_everyone_reads, readers
from .test_matrix import ACTIVITY_OPERATIONS, ACTIVITY_PAGES, _run

pytestmark = pytest.mark.django_db

WIDENED = ("owned", "owned_child", "log")
ROLES = ("manager", "rep")  # administrators and executives read everything anyway
RELATIONS = ("team", "foreign")


@pytest.fixture
def everyone_reads(world):
    from shangji.users.services import organization_update

    organization_update(actor=world.users["admin"], everyone_reads_all=True)


def _cells(table):
    for name, (kind, _action, relations) in table.items():
        if kind not in WIDENED or "own" not in relations:
            continue
        for role in ROLES:
            for relation in RELATIONS:
                label = name if isinstance(name, str) else " ".join(name)
                yield pytest.param(name, role, relation, id=f"{label}-{role}-{relation}")


@pytest.mark.parametrize(("name", "role", "relation"), list(_cells(PAGES)))
def test_page(name, role, relation, world, page_as, everyone_reads):
    kind, action, _relations = PAGES[name]
    call = page_call(name, world, role, relation)
    want = expected_when_everyone_reads(kind, role, relation, action)
    _run(page_as(role), call, world, want, action, api=False)


@pytest.mark.parametrize(("operation", "role", "relation"), list(_cells(API)))
def test_api(operation, role, relation, world, api_of, everyone_reads):
    kind, action, _relations = API[operation]
    call = api_call(operation, world, role, relation)
    want = expected_when_everyone_reads(kind, role, relation, action)
    _run(api_of(role).client, call, world, want, action, api=True)


@pytest.mark.parametrize("variant", ["activity", "lead_activity"])
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ACTIVITY_PAGES + ACTIVITY_OPERATIONS, ids=str)
def test_activity(name, role, relation, variant, world, page_as, api_of, everyone_reads):
    if isinstance(name, str):
        _kind, action, _relations = PAGES[name]
        call = activity_page_call(name, world, role, relation, variant)
        client = page_as(role)
    else:
        _kind, action, _relations = API[name]
        call = activity_api_call(name, world, role, relation, variant)
        client = api_of(role).client
    want = expected_when_everyone_reads("owned", role, relation, action)
    _run(client, call, world, want, action, api=not isinstance(name, str))


@pytest.mark.parametrize("role", ROLES)
def test_lists_widen(role, world, api_of, everyone_reads):
    assert readers("owned", role, USERNAMES) != set(USERNAMES)  # the setting matters here
    rows = api_of(role).get("/opportunities").json()["results"]
    assert {row["owner_username"] for row in rows} == set(USERNAMES)
