"""What lists, filters, exports, timelines, reports, boards, forecasts and the change feed show
each role: exactly the rows rules.RULES lets them read, and figures summed over those alone.

The world gives every user one deal of a distinct power of ten (admin 10, 张悦 100, 李明 1,000,
王强 10,000, 陈静 100,000, 赵磊 1,000,000), so any total says whose deals it counted.
"""

import csv
import io
from decimal import Decimal

import pytest

from .conftest import USERNAMES
from .rules import ACTORS, MISSING_ID, ROLES, readers

pytestmark = pytest.mark.django_db

AMOUNT_OF = {username: Decimal(10**index) for index, username in enumerate(USERNAMES, start=1)}

# What each list's rows are, under which rule (rules.RULES) they are read.
API_LISTS = {
    "/opportunities": [("opportunity", "owned")],
    "/leads": [("lead", "owned")],
    "/accounts": [("account", "directory")],
    "/contacts": [("contact", "directory")],
    "/activities": [
        ("activity", "owned"),
        ("lead_activity", "owned"),
        ("account_activity", "directory"),
    ],
    "/saved-views": [("saved_view", "saved_view")],
    "/imports": [("import_job", "creator_or_admin")],
    "/api-keys": [("api_key", "creator_or_admin")],
}


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def _rows(data) -> list:
    return data["results"] if isinstance(data, dict) else data


def _all_rows(api, path, **params) -> list:
    """Every row of a cursor-paged list."""
    rows, cursor = [], None
    while True:
        response = api.get(path, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        data = response.json()
        rows += _rows(data)
        cursor = data.get("next_cursor") if isinstance(data, dict) else None
        if not cursor:
            return rows


def _ids(world, record_kind, usernames) -> set[int]:
    return {world.records[(record_kind, username)].pk for username in usernames}


def _visible_ids(world, role, record_kind, rule) -> set[int]:
    return _ids(world, record_kind, readers(rule, role, USERNAMES))


def _visible_deals(role) -> set[str]:
    return readers("owned", role, USERNAMES)


@pytest.mark.parametrize("path", API_LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_api_list_shows_exactly_the_readable_rows(role, path, world, api_of):
    want = set().union(*(_visible_ids(world, role, kind, rule) for kind, rule in API_LISTS[path]))
    got = {row["id"] for row in _all_rows(api_of(role), path)}
    assert got == want


@pytest.mark.parametrize("role", ROLES)
def test_notifications_are_the_recipients_alone(role, world, api_of):
    from shangji.users.models import Notification

    mine = set(Notification.objects.filter(recipient=world.user(role)).values_list("pk", flat=True))
    got = {row["id"] for row in _all_rows(api_of(role), "/notifications")}
    assert got == mine and mine


@pytest.mark.parametrize("role", ROLES)
def test_marking_others_notifications_read_changes_nothing(role, world, api_of):
    from shangji.users.models import Notification

    others = Notification.objects.exclude(recipient=world.user(role))
    ids = list(others.values_list("pk", flat=True))
    response = api_of(role).post("/notifications/read", {"ids": ids})
    assert response.status_code == 200
    assert others.filter(read_at__isnull=False).count() == 0


PAGE_LISTS = {
    "/opportunities/": ("Deal of {}", "owned"),
    "/leads/": ("Lead {}", "owned"),
    "/activities/": ("Call about the deal of {}", "owned"),
    "/opportunities/board/": ("Deal of {}", "owned"),
    "/my-work/": ("Call about the deal of {}", "owned"),
}


@pytest.mark.parametrize("path", PAGE_LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_page_lists_name_only_readable_records(role, path, world, page_as):
    template, rule = PAGE_LISTS[path]
    html = _text(page_as(role).get(path))
    readable = readers(rule, role, USERNAMES)
    if path == "/my-work/":  # one's own work only
        readable = {ACTORS[role]}
    for username in USERNAMES:
        assert (template.format(username) in html) == (username in readable), username


# --- filters that try to reach hidden rows -----------------------------------------------------


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_owner_filter_reaches_no_hidden_row(role, owner, world, api_of, page_as):
    owner_id = world.users[owner].pk
    visible = owner in _visible_deals(role)
    api = api_of(role)
    for path, kind in (("/opportunities", "opportunity"), ("/leads", "lead")):
        response = api.get(path, owner=owner_id)
        # An owner one may not filter by may be refused (400) or give nothing: never the rows.
        rows = _rows(response.json()) if response.status_code == 200 else []
        assert response.status_code in (200, 400)
        want = {world.records[(kind, owner)].pk} if visible else set()
        assert {row["id"] for row in rows} == want, path
    html = _text(page_as(role).get("/opportunities/", {"owner": owner_id}))
    assert (f"Deal of {owner}" in html) == visible


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_activity_filter_by_a_hidden_record_shows_nothing(role, owner, world, api_of):
    opportunity = world.records[("opportunity", owner)]
    response = api_of(role).get("/activities", opportunity=opportunity.pk)
    rows = _rows(response.json()) if response.status_code == 200 else []
    assert response.status_code in (200, 400)
    want = {world.records[("activity", owner)].pk} if owner in _visible_deals(role) else set()
    assert {row["id"] for row in rows} == want


@pytest.mark.parametrize("role", ROLES)
def test_list_counts_follow_the_rule(role, world, api_of):
    """The board's and the list's counts: one deal per readable owner, no more."""
    board = api_of(role).get("/board").json()
    assert sum(column["count"] for column in board["columns"]) == len(_visible_deals(role))


# --- exports ---------------------------------------------------------------------------------


EXPORTS = {
    ("api", "/opportunities/export"): ("Deal of {}", "owned"),
    ("api", "/leads/export"): ("Lead {}", "owned"),
    ("page", "/opportunities/export.csv"): ("Deal of {}", "owned"),
    ("page", "/leads/export.csv"): ("Lead {}", "owned"),
}


@pytest.mark.parametrize("export", EXPORTS, ids=lambda export: export[1])
@pytest.mark.parametrize("role", ROLES)
def test_export_holds_only_readable_rows(role, export, world, api_of, page_as):
    surface, path = export
    template, rule = EXPORTS[export]
    client = api_of(role) if surface == "api" else page_as(role)
    response = client.get(path)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(_text(response))))
    cells = {cell for row in rows[1:] for cell in row}
    readable = readers(rule, role, USERNAMES)
    assert len(rows) - 1 == len(readable)
    for username in USERNAMES:
        assert (template.format(username) in cells) == (username in readable), username


# --- timelines -------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_account_timeline_lists_only_readable_activities(role, owner, world, api_of, page_as):
    """Every account is readable; on its timeline, the call about its deal only to those who
    may read the deal."""
    account = world.records[("account", owner)]
    want = {world.records[("account_activity", owner)].pk}
    if owner in _visible_deals(role):
        want.add(world.records[("activity", owner)].pk)
    data = api_of(role).get(f"/accounts/{account.pk}/timeline").json()
    got = {entry["activity"]["id"] for entry in data["entries"] if entry["activity"]}
    assert got == want
    html = _text(page_as(role).get(f"/accounts/{account.pk}/"))
    hidden = owner not in _visible_deals(role)
    assert ("Call about the deal of " + owner in html) != hidden
    assert (f"Deal of {owner}" in html) != hidden


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_contact_page_shows_only_readable_deals(role, owner, world, page_as):
    contact = world.records[("contact", owner)]
    html = _text(page_as(role).get(f"/contacts/{contact.pk}/"))
    assert (f"Deal of {owner}" in html) == (owner in _visible_deals(role))


# --- reports, board, forecast, dashboard ------------------------------------------------------


def _visible_sum(role) -> Decimal:
    return sum((AMOUNT_OF[username] for username in _visible_deals(role)), Decimal(0))


@pytest.mark.parametrize("role", ROLES)
def test_report_sums_only_readable_deals(role, world, api_of, page_as):
    data = api_of(role).get("/reports/pipeline-by-stage").json()
    _label, _probability, count, amount, _weighted = data["totals"]
    assert count == len(_visible_deals(role))
    assert Decimal(amount) == _visible_sum(role)
    rows = list(
        csv.reader(io.StringIO(_text(page_as(role).get("/reports/pipeline-by-stage/export.csv"))))
    )
    assert Decimal(rows[-1][3].replace(",", "")) == _visible_sum(role)


@pytest.mark.parametrize("role", ROLES)
def test_board_sums_only_readable_deals(role, world, api_of):
    board = api_of(role).get("/board").json()
    total = sum((Decimal(column["sum"]) for column in board["columns"]), Decimal(0))
    assert total == _visible_sum(role)
    cards = {card["id"] for column in board["columns"] for card in column["cards"]}
    assert cards == _ids(world, "opportunity", _visible_deals(role))


@pytest.mark.parametrize("role", ROLES)
def test_forecast_counts_only_readable_deals(role, world, api_of):
    data = api_of(role).get("/forecast").json()
    rows = [row for group in data["groups"] for row in group["rows"] if row["kind"] == "rep"]
    total = sum((Decimal(row["pipeline"]) for row in rows), Decimal(0))
    assert total == _visible_sum(role)
    assert {row["user"] for row in rows if Decimal(row["pipeline"])} <= {
        world.users[username].pk for username in _visible_deals(role)
    }


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_headline_counts_only_readable_deals(role, world, api_of):
    data = api_of(role).get("/dashboard").json()
    assert Decimal(data["headline"]["pipeline"]) == _visible_sum(role)


@pytest.mark.parametrize("role", ROLES)
def test_pipeline_on_a_day_counts_only_readable_deals(role, world, api_of):
    import datetime

    data = api_of(role).get("/pipeline-on", date=datetime.date.today().isoformat()).json()
    for moment in ("then", "now"):
        assert data["open"][moment]["count"] == len(_visible_deals(role))
        assert Decimal(data["open"][moment]["amount"]) == _visible_sum(role)


# --- the change feed -------------------------------------------------------------------------


FEED_KINDS = {
    "opportunity": [("opportunity", "owned")],
    "lead": [("lead", "owned")],
    "account": [("account", "directory")],
    "contact": [("contact", "directory")],
    "activity": [
        ("activity", "owned"),
        ("lead_activity", "owned"),
        ("account_activity", "directory"),
    ],
}


@pytest.mark.parametrize("role", ROLES)
def test_change_feed_shows_only_events_of_readable_records(role, world, api_of):
    api = api_of(role)
    events, since = [], None
    while True:
        data = api.get("/changes", limit=500, **({"since": since} if since else {})).json()
        events += data["events"]
        since = data["next"]
        if not data["has_more"]:
            break
    for feed_kind, sources in FEED_KINDS.items():
        got = {event["entity_id"] for event in events if event["kind"] == feed_kind}
        want = set().union(*(_visible_ids(world, role, kind, rule) for kind, rule in sources))
        assert got == want, feed_kind
    text = str(events)
    for username in USERNAMES:
        assert (f"Deal of {username}" in text) == (username in _visible_deals(role))


# --- parameters that name someone else's rows ------------------------------------------------


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_report_owner_filter_sums_nothing_hidden(role, owner, world, api_of):
    data = api_of(role).get("/reports/pipeline-by-stage", owner=world.users[owner].pk).json()
    amount = Decimal(data["totals"][3])
    assert amount == (AMOUNT_OF[owner] if owner in _visible_deals(role) else 0)


@pytest.mark.parametrize("path", ["/forecast", "/forecast/accuracy"])
@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_forecast_of_a_hidden_owner_is_refused(role, owner, path, world, api_of):
    response = api_of(role).get(path, owner=world.users[owner].pk)
    if owner in _visible_deals(role) and (role != "rep" or owner == ACTORS[role]):
        assert response.status_code == 200
    else:
        # Only the people whose figures one may see can be chosen.
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"owner"}


@pytest.mark.parametrize("role", ROLES)
def test_forecast_accuracy_counts_only_readable_deals(role, world, api_of):
    (week,) = api_of(role).get("/forecast/accuracy").json()["weeks"]
    # Every deal is in Prospecting (10 %): the weighted figure is a tenth of the pipeline.
    assert Decimal(week["weighted"]) == _visible_sum(role) / 10


@pytest.mark.parametrize("view", ["company", "team", "mine"])
@pytest.mark.parametrize("role", ROLES)
def test_dashboard_view_cannot_be_widened(role, view, world, api_of):
    data = api_of(role).get("/dashboard", view=view).json()
    assert Decimal(data["headline"]["pipeline"]) <= _visible_sum(role)
    if role == "rep":
        assert data["view"] == "mine"


@pytest.mark.parametrize("role", ["manager", "executive", "admin"])
def test_quota_list_of_another_team(role, world, api_of):
    north = world.teams["north"]
    response = api_of(role).get("/quotas", team=north.pk)
    assert response.status_code == 200
    users = {row["user"] for row in response.json()["quotas"] if row["user"]}
    if role == "manager":  # a manager's own teams only, whatever the parameter
        assert world.users["zhaolei"].pk not in users
    else:
        assert world.users["zhaolei"].pk in users


@pytest.mark.parametrize("role", ROLES)
def test_someone_elses_saved_view_is_not_applied(role, world, page_as):
    from shangji.savedviews.services import saved_view_update

    foreign = world.records[("saved_view", "zhaolei")]
    saved_view_update(view=foreign, actor=world.users["zhaolei"], query="q=zhaolei")
    page = page_as(role)
    html = _text(page.get("/opportunities/", {"view": foreign.pk}))
    readable = readers("saved_view", role, ["zhaolei"])
    assert ("View of zhaolei" in html) == bool(readable)
    export = _text(page.get("/opportunities/export.csv", {"view": foreign.pk}))
    assert len(list(csv.reader(io.StringIO(export)))) - 1 == len(_visible_deals(role))


# --- the pool of unassigned leads ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_unassigned_leads_are_read_by_all_and_handed_out_by_managers(role, world, api_of):
    from shangji.leads.services import lead_create

    lead = lead_create(actor=world.users["zhaolei"], last_name="Walk-in", company="Pool")
    api = api_of(role)
    assert api.get(f"/leads/{lead.pk}").status_code == 200
    response = api.post(
        f"/leads/{lead.pk}/assign", {"owner": world.user(role).pk, "version": lead.version}
    )
    assert response.status_code == (403 if role == "rep" else 200)


# --- writes that point at someone else's records -------------------------------------------------


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_own_activity_cannot_be_moved_onto_a_hidden_deal(role, owner, world, api_of):
    mine = world.records[("activity", ACTORS[role])]
    target = world.records[("opportunity", owner)]
    response = api_of(role).patch(
        f"/activities/{mine.pk}", {"opportunity": target.pk, "version": mine.version}
    )
    if owner in _visible_deals(role):
        assert response.status_code == 200
    else:  # the same answer as for an id that does not exist
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"opportunity"}
        missing = api_of(role).patch(
            f"/activities/{mine.pk}", {"opportunity": MISSING_ID, "version": mine.version}
        )
        assert missing.json() == response.json()


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_bulk_update_by_filter_reaches_no_hidden_deal(role, owner, world, api_of):
    from shangji.opportunities.models import Opportunity

    response = api_of(role).post(
        "/opportunities/bulk-update",
        {"filters": {"owner": world.users[owner].pk}, "changes": {"type": "New Business"}},
    )
    deal = world.records[("opportunity", owner)]
    changed = Opportunity.objects.get(pk=deal.pk).type == "New Business"
    assert changed == (owner in _visible_deals(role))
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("owner", USERNAMES)
@pytest.mark.parametrize("role", ROLES)
def test_activity_page_filter_by_a_hidden_deal_shows_nothing(role, owner, world, page_as):
    deal = world.records[("opportunity", owner)]
    html = _text(page_as(role).get("/activities/", {"opportunity": deal.pk}))
    assert (f"Call about the deal of {owner}" in html) == (owner in _visible_deals(role))
