"""/board and /reports: the same figures as the pages, visibility, filter errors, query counts."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from shangji.forecasting.selectors import REPORTS
from shangji.opportunities.health import FLAG_ANNOTATIONS
from shangji.opportunities.models import Stage
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

BOARD = reverse("opportunities:board")


@pytest.fixture
def deals(make_opportunity, team_users):
    """Mixed currencies (USD 7.1, EUR 7.8), three owners in two teams, open, won and lost."""
    wang, chen, zhao = team_users["wangqiang"], team_users["chenjing"], team_users["zhaolei"]
    today = datetime.date.today()
    return {
        "a": make_opportunity(wang, name="A", amount="1000.00", lead_source="Web Site"),
        "b": make_opportunity(wang, name="B", amount="100.00", currency="USD", next_step="Call"),
        "c": make_opportunity(
            chen, name="C", amount="333.33", currency="EUR", probability=35, lead_source="Partner"
        ),
        "d": make_opportunity(zhao, name="D", amount="5000.00", lead_source="Web Site"),
        "e": make_opportunity(
            wang,
            "Negotiation/Review",
            "1234.56",
            "USD",
            today + datetime.timedelta(days=5),
            name="E",
        ),
        "f": make_opportunity(
            wang, "Closed Won", "500.00", "EUR", today - datetime.timedelta(days=40), name="F"
        ),
        "g": make_opportunity(
            chen,
            "Closed Lost",
            "200.00",
            close_date=today - datetime.timedelta(days=70),
            name="G",
            lead_source="Partner",
            lost_reason="Price",
        ),
    }


def _page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context


# The board ------------------------------------------------------------------------------------


def _page_board(client, user, **params) -> list[dict]:
    board = _page(client, user, BOARD, **params)["board"]
    return [
        {
            "id": column.stage.pk,
            "kind": column.stage.kind,
            "count": column.count,
            "sum": str(column.total),
            "weighted": str(column.weighted),
            "cards": [card.pk for card in column.cards],
            "next_cursor": column.page.next_cursor if column.page else None,
        }
        for column in board.columns + board.zones
    ]


def _api_board(data) -> list[dict]:
    return [
        {
            "id": column["id"],
            "kind": column["kind"],
            "count": column["count"],
            "sum": column["sum"],
            "weighted": column["weighted"],
            "cards": [card["id"] for card in column["cards"]],
            "next_cursor": column["next_cursor"],
        }
        for column in data["columns"]
    ]


@pytest.mark.parametrize(
    "username,params",
    [
        ("zhangyue", {}),
        ("zhangyue", {"owner": "wangqiang"}),
        ("zhangyue", {"team": "east"}),
        ("zhangyue", {"close_period": "this_quarter"}),
        ("liming", {}),
        ("wangqiang", {}),
        ("zhaolei", {}),
    ],
)
def test_board_equals_the_page(client, api_as, deals, team_users, username, params):
    user, params = team_users[username], dict(params)
    if "owner" in params:
        params["owner"] = team_users[params["owner"]].pk
    if "team" in params:
        params["team"] = team_users["wangqiang"].team_id
    response = api_as(user).get("/board", **params)
    assert response.status_code == 200, response.content
    data = response.json()
    assert _api_board(data) == _page_board(client, user, **params)
    default = Stage.objects.get(pk=data["columns"][0]["id"]).pipeline
    assert data["pipeline"]["id"] == default.pk and default.is_default


def test_board_figures_and_cards(api_as, deals, team_users):
    data = api_as(team_users["zhangyue"]).get("/board").json()
    columns = {column["name"]: column for column in data["columns"]}
    # 1000 + 710 + 2599.97 + 5000; weighted 100 + 71 + 909.9895 + 500 → 1580.99
    prospecting = columns["Prospecting"]
    assert (prospecting["count"], prospecting["sum"], prospecting["weighted"]) == (
        4,
        "9309.97",
        "1580.99",
    )
    assert columns["Closed Won"]["sum"] == "3900.00" and columns["Closed Won"]["cards"] == []
    assert columns["Closed Lost"]["weighted"] == "0.00"
    assert [column["kind"] for column in data["columns"]][-2:] == ["won", "lost"]
    card = next(card for card in prospecting["cards"] if card["name"] == "C")
    c = deals["c"]
    assert card["amount"] == "333.33" and card["currency"] == "EUR"
    assert card["amount_base"] == "2599.97" and card["probability"] == 35
    assert card["account_name"] == c.account.name and card["owner"] == c.owner_id
    assert card["version"] == c.version and card["close_date"] == c.close_date.isoformat()
    assert "no_next_step" in card["health"]
    b = next(card for card in prospecting["cards"] if card["name"] == "B")
    assert "no_next_step" not in b["health"]
    assert set(card["health"]) <= set(FLAG_ANNOTATIONS)


def test_board_column_pages_like_the_page(client, api_as, make_opportunity, team_users):
    base = datetime.date.today() + datetime.timedelta(days=10)
    made = [
        make_opportunity(close_date=base + datetime.timedelta(days=n % 7), name=f"N{n}")
        for n in range(27)
    ]
    expected = [o.pk for o in sorted(made, key=lambda o: (o.close_date, o.pk))]
    user = team_users["wangqiang"]
    api = api_as(user)
    column = next(c for c in api.get("/board").json()["columns"] if c["name"] == "Prospecting")
    assert [card["id"] for card in column["cards"]] == expected[:20]
    assert column["next_cursor"]
    url = f"/board/columns/{column['id']}"
    more = api.get(url, cursor=column["next_cursor"]).json()
    assert [card["id"] for card in more["results"]] == expected[20:]
    assert more["next_cursor"] is None
    client.force_login(user)
    page = client.get(
        reverse("opportunities:board_column", args=[column["id"]]),
        {"cursor": column["next_cursor"]},
    )
    assert [card.pk for card in page.context["column"].cards] == expected[20:]
    # a rep's column holds only theirs
    assert api_as(team_users["zhaolei"]).get(url).json() == {"results": [], "next_cursor": None}


def test_board_rep_sees_only_theirs(api_as, deals, team_users):
    data = api_as(team_users["wangqiang"]).get("/board").json()
    ids = {card["id"] for column in data["columns"] for card in column["cards"]}
    assert ids == {deals["a"].pk, deals["b"].pk, deals["e"].pk}
    # asking for someone else's deals does not widen it
    other = api_as(team_users["wangqiang"]).get("/board", owner=team_users["zhaolei"].pk).json()
    assert sum(column["count"] for column in other["columns"]) == 0


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("/board", {"owner": "abc"}, "owner"),
        ("/board", {"owner": "999999"}, "owner"),
        ("/board", {"team": "x"}, "team"),
        ("/board", {"close_period": "someday"}, "close_period"),
        ("/board", {"pipeline": "999999"}, "pipeline"),
        ("COLUMN", {"close_period": "someday"}, "close_period"),
        ("COLUMN", {"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_board_invalid_filter_is_400(api_as, stages, team_users, path, params, field):
    if path == "COLUMN":
        path = f"/board/columns/{stages['Prospecting'].pk}"
    response = api_as(team_users["zhangyue"]).get(path, **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and field in body["errors"]


def test_board_column_of_closed_or_unknown_stage_is_404(api_as, stages, team_users):
    api = api_as(team_users["zhangyue"])
    assert api.get(f"/board/columns/{stages['Closed Won'].pk}").status_code == 404
    assert api.get("/board/columns/999999").status_code == 404


def test_board_needs_authentication(api_as, stages):
    assert api_as().get("/board").status_code == 401
    assert api_as().get("/reports/lead-sources").status_code == 401


def test_board_query_count_does_not_grow(api_as, deals, team_users, make_opportunity):
    api = api_as(team_users["zhangyue"])
    api.get("/board")  # the first request also notes the token's use
    few = queries_of(lambda: api.get("/board"))
    # More rows in the same columns (each non-empty open column costs one query, as on the page).
    for n in range(30):
        make_opportunity(stage=["Prospecting", "Negotiation/Review", "Closed Won"][n % 3])
    assert queries_of(lambda: api.get("/board")) == few
    stage = Stage.objects.get(name="Prospecting", pipeline__is_default=True)
    assert queries_of(lambda: api.get(f"/board/columns/{stage.pk}")) <= few


# The reports ----------------------------------------------------------------------------------


def _cell(value):
    return str(value) if isinstance(value, Decimal) else value


def _page_report(client, user, slug, **params) -> dict:
    context = _page(client, user, reverse("forecasting:report_detail", args=[slug]), **params)
    report = context["report"]
    return {
        "columns": [{"label": str(c.label), "kind": c.kind} for c in report.columns],
        "rows": [
            [_cell(str(v) if not isinstance(v, int | Decimal | None) else v) for v in row]
            for row in report.rows
        ],
        "totals": [
            _cell(str(v) if not isinstance(v, int | Decimal | None) else v) for v in report.totals
        ],
        "chart": report.chart,
    }


def _page_urls(chart) -> list:
    return [series["urls"] for series in chart["views"][0]["series"]]


@pytest.mark.parametrize("slug", list(REPORTS))
@pytest.mark.parametrize(
    "username,params",
    [
        ("zhangyue", {}),
        ("zhangyue", {"owner": ["wangqiang", "chenjing"]}),
        ("zhangyue", {"team": "east"}),
        ("admin", {"close_date_from": "DAYS-45", "close_date_to": "DAYS+90"}),
        ("wangqiang", {}),
        ("liming", {}),
    ],
)
def test_report_equals_the_page(client, api_as, deals, team_users, slug, username, params):
    user, params = team_users[username], dict(params)
    today = datetime.date.today()
    for key, value in list(params.items()):
        if key == "owner":
            params[key] = [team_users[name].pk for name in value]
        elif key == "team":
            params[key] = team_users["wangqiang"].team_id
        elif value.startswith("DAYS"):
            params[key] = (today + datetime.timedelta(days=int(value[4:]))).isoformat()
    response = api_as(user).get(f"/reports/{slug}", **params)
    assert response.status_code == 200, response.content
    data = response.json()
    page = _page_report(client, user, slug, **params)
    assert data["slug"] == slug and data["title"] == str(REPORTS[slug].title)
    assert data["columns"] == page["columns"]
    assert [row["cells"] for row in data["rows"]] == page["rows"]
    assert data["totals"] == page["totals"]
    assert data["rows"], "the fixture puts rows in every report"
    urls = _page_urls(page["chart"])
    for index, row in enumerate(data["rows"]):
        if row["drill_urls"] is None:
            assert row["drill_url"] == urls[0][index]
        else:
            assert row["drill_url"] is None
            assert [row["drill_urls"][kind] for kind in ("won", "lost", "open")] == [
                series[index] for series in urls
            ]


def test_report_figures_as_decimal_strings(api_as, deals, team_users):
    data = api_as(team_users["zhangyue"]).get("/reports/pipeline-by-stage").json()
    rows = {row["cells"][0]: row for row in data["rows"]}
    # probability, count, amount, weighted
    assert rows["Prospecting"]["cells"][1:] == [10, 4, "9309.97", "1580.99"]
    assert rows["Prospecting"]["drill_url"].startswith(reverse("opportunities:opportunity_list"))
    assert data["totals"][0] == "Total" and data["totals"][1] is None
    outcome = api_as(team_users["zhangyue"]).get("/reports/lead-source-outcome").json()
    partner = next(row for row in outcome["rows"] if row["cells"][0] == "Partner")
    # won 0, lost 1, open 1, total 2, win rate 0.0 %
    assert partner["cells"][1:] == [0, 1, 1, 2, "0.0"]
    assert set(partner["drill_urls"]) == {"won", "lost", "open"}


def test_report_drill_urls_keep_the_team_and_reach_no_lead_source(api_as, deals, team_users):
    api, team = api_as(team_users["zhangyue"]), team_users["wangqiang"].team_id
    data = api.get("/reports/lead-sources", team=team).json()
    none = next(row for row in data["rows"] if row["cells"][0] == "None")
    assert none["cells"][1] == 3  # b, e and f of 王强
    query = parse_qs(urlsplit(none["drill_url"]).query)
    assert query == {"team": [str(team)], "lead_source": ["none"]}
    listed = api.get("/opportunities", team=team, lead_source="none").json()["results"]
    assert sorted(row["name"] for row in listed) == ["B", "E", "F"]


def test_report_rep_sees_only_theirs(api_as, deals, team_users):
    data = api_as(team_users["wangqiang"]).get("/reports/lead-sources").json()
    # a 1000.00 (Web Site); b 710.00, e 8765.38, f 3900.00 without a lead source
    assert data["totals"][1:] == [4, "14375.38"]
    widened = api_as(team_users["wangqiang"]).get(
        "/reports/lead-sources", owner=team_users["zhaolei"].pk
    )
    assert widened.status_code == 400 or widened.json()["totals"][1] == 0


@pytest.mark.parametrize(
    "params,field",
    [
        ({"close_date_from": "yesterday"}, "close_date_from"),
        ({"owner": "999999"}, "owner"),
        ({"owner": "abc"}, "owner"),
        ({"team": "999999"}, "team"),
        ({"pipeline": "x"}, "pipeline"),
    ],
)
def test_report_invalid_filter_is_400(api_as, stages, team_users, params, field):
    response = api_as(team_users["zhangyue"]).get("/reports/pipeline-by-stage", **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and field in body["errors"]


def test_unknown_report_is_404(api_as, team_users):
    response = api_as(team_users["zhangyue"]).get("/reports/no-such-report")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("slug", list(REPORTS))
def test_report_query_count_does_not_grow(api_as, deals, team_users, make_opportunity, slug):
    api = api_as(team_users["zhangyue"])
    api.get(f"/reports/{slug}")  # the first request also notes the token's use
    few = queries_of(lambda: api.get(f"/reports/{slug}"))
    sources = ["Web Site", "Partner", "Cold Call", ""]
    for n in range(30):
        make_opportunity(
            stage=["Prospecting", "Closed Won", "Closed Lost"][n % 3],
            lead_source=sources[n % 4],
            close_date=datetime.date.today() + datetime.timedelta(days=31 * (n % 6)),
            lost_reason="Price" if n % 3 == 2 else "",
        )
    assert queries_of(lambda: api.get(f"/reports/{slug}")) == few
