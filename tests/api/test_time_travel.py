"""/pipeline-on and /pipeline-changes: the pages' figures, errors, paging, visibility, queries."""

import pytest
import time_machine
from django.urls import reverse

from tests.forecasting.test_time_travel import NOW, _more_history, build_history
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

PIPE_ON = reverse("forecasting:pipeline_on")
CHANGES = reverse("forecasting:pipeline_changes")
WINDOW = {"from": "2026-01-10", "to": "2026-02-28"}


@pytest.fixture
def history(team_users, stages, rates):
    """The history of tests/forecasting/test_time_travel.py (its docstring has the story)."""
    return build_history(team_users, stages)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _figures(figures) -> dict:
    weighted = None if figures.weighted is None else str(figures.weighted)
    return {"count": figures.count, "amount": str(figures.amount), "weighted": weighted}


def _page_lines(report) -> list[dict]:
    return [
        {
            "key": line.key,
            "label": line.label,
            "then": _figures(line.then),
            "now": _figures(line.now),
            "now_url": line.now_url,
        }
        for line in report.lines()
    ]


def _api_lines(data) -> list[dict]:
    return [
        {key: line[key] for key in ("key", "label", "then", "now", "now_url")}
        for line in [*data["stages"], data["open"], data["won"], data["lost"]]
    ]


def test_pipeline_on_figures(history, team_users, api_as, now):
    response = api_as(team_users["admin"]).get("/pipeline-on", date="2026-02-15")
    assert response.status_code == 200
    data = response.json()
    assert data["date"] == "2026-02-15"
    assert data["until"] == "2026-02-15T16:00:00Z"  # midnight in Shanghai
    assert (data["time_zone"], data["currency"]) == ("Asia/Shanghai", "CNY")
    qualification = next(line for line in data["stages"] if line["label"] == "Qualification")
    assert qualification["then"] == {"count": 1, "amount": "1083.96", "weighted": "216.79"}
    legacy = next(line for line in data["stages"] if line["label"] == "Legacy Review (retired)")
    assert legacy["retired"] is True and legacy["now_url"] is not None
    assert data["open"]["then"] == {"count": 4, "amount": "3183.96", "weighted": "696.79"}
    assert data["open"]["now"] == {"count": 5, "amount": "5183.96", "weighted": "1296.79"}
    assert data["won"]["then"] == {"count": 1, "amount": "5000.00", "weighted": None}
    assert data["lost"]["now"] == {"count": 0, "amount": "0.00", "weighted": None}


@pytest.mark.parametrize("username", ["admin", "liming", "wangqiang"])
def test_pipeline_on_equals_the_page(history, team_users, api_as, client, now, username):
    user = team_users[username]
    params = {"date": "2026-01-31"}
    client.force_login(user)
    page = client.get(PIPE_ON, params).context["report"]
    data = api_as(user).get("/pipeline-on", **params).json()
    assert _api_lines(data) == _page_lines(page)


def test_rep_sees_only_own(history, team_users, api_as, now):
    data = api_as(team_users["wangqiang"]).get("/pipeline-on", date="2026-01-10").json()
    assert data["open"]["then"] == {"count": 1, "amount": "1000.00", "weighted": "100.00"}
    changes = api_as(team_users["wangqiang"]).get("/pipeline-changes", **WINDOW).json()
    assert {item["key"]: item["count"] for item in changes["categories"] if item["count"]} == {
        "new": 1,
        "moved_forward": 1,
    }


def test_pipeline_changes_figures_and_deals(history, team_users, api_as, now):
    response = api_as(team_users["admin"]).get("/pipeline-changes", **WINDOW)
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"]) == ("2026-01-10", "2026-02-28")
    categories = {item["key"]: item for item in data["categories"]}
    assert categories["slipped"] == {
        "key": "slipped",
        "label": "Close date slipped",
        "count": 1,
        "amount": "2000.00",
        "change": None,
        "days": 33,
    }
    assert categories["amount_up"]["change"] == "370.05"
    assert categories["moved_backward"]["count"] == 2
    assert data["net_change"] == "370.05"
    assert data["total"]["count"] == 6 and data["total"]["amount"] == "10183.96"
    assert set(data["deals"]) == set(categories)
    (b,) = data["deals"]["amount_up"]["results"]
    assert b["name"] == "B" and b["url"] == history["B"].get_absolute_url()
    assert (b["before"]["amount_base"], b["after"]["amount_base"]) == ("713.91", "1083.96")
    assert (b["before"]["amount"], b["after"]["amount"]) == ("100.55", "150.55")
    assert (b["before"]["owner_name"], b["after"]["owner_name"]) == ("王强", "赵磊")
    (f,) = data["deals"]["new"]["results"]
    assert f["before"] is None and f["after"]["stage_label"] == "Prospecting"


def test_pipeline_changes_equal_the_page(history, team_users, api_as, client, now):
    user = team_users["liming"]
    client.force_login(user)
    page = client.get(CHANGES, WINDOW).context
    data = api_as(user).get("/pipeline-changes", **WINDOW).json()
    assert [
        (item["key"], item["count"], item["amount"], item["change"], item["days"])
        for item in data["categories"]
    ] == [
        (
            item.key,
            item.count,
            str(item.amount),
            None if item.change is None else str(item.change),
            item.days,
        )
        for item in page["changes"].categories
    ]
    listed = {item.key: [d.opportunity.pk for d in p.items] for item, p, _ in page["sections"]}
    assert {
        key: [deal["id"] for deal in value["results"]]
        for key, value in data["deals"].items()
        if value["results"]
    } == listed


def test_one_category_paged_with_a_cursor(history, team_users, api_as, now):
    api = api_as(team_users["admin"])
    first = api.get("/pipeline-changes", **WINDOW, category="moved_backward", limit=1).json()
    assert list(first["deals"]) == ["moved_backward"]
    page = first["deals"]["moved_backward"]
    assert [deal["name"] for deal in page["results"]] == ["C"]
    second = api.get(
        "/pipeline-changes",
        **WINDOW,
        category="moved_backward",
        limit=1,
        cursor=page["next_cursor"],
    ).json()["deals"]["moved_backward"]
    assert [deal["name"] for deal in second["results"]] == ["E"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/pipeline-on", {}, "date"),
        ("/pipeline-on", {"date": "2026-03-16"}, "date"),
        ("/pipeline-on", {"date": "2026-02-30"}, "date"),
        ("/pipeline-on", {"date": "2026-02-01", "owner": "999999"}, "owner"),
        ("/pipeline-on", {"date": "2026-02-01", "team": "x"}, "team"),
        ("/pipeline-changes", {"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ("/pipeline-changes", {"from": "2026-03-01", "to": "2026-03-16"}, "to"),
        ("/pipeline-changes", {"to": "2026-03-01"}, "from"),
        ("/pipeline-changes", {**WINDOW, "category": "nope"}, "category"),
        ("/pipeline-changes", {**WINDOW, "cursor": "abc"}, "category"),
        ("/pipeline-changes", {**WINDOW, "category": "won", "cursor": "abc"}, "cursor"),
        ("/pipeline-changes", {**WINDOW, "limit": "0"}, "limit"),
        ("/pipeline-changes", {**WINDOW, "limit": "201"}, "limit"),
    ],
)
def test_bad_parameters_are_400_with_field_errors(
    history, team_users, api_as, now, path, params, field
):
    response = api_as(team_users["admin"]).get(path, **params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_future_day_message(team_users, api_as, now):
    response = api_as(team_users["admin"]).get("/pipeline-on", date="2026-03-16")
    assert response.json()["errors"] == {"date": ["Choose a day that is not in the future."]}


def test_needs_authentication(client):
    assert client.get("/api/v1/pipeline-on?date=2026-01-01").status_code == 401


def test_openapi_names_the_parameters(team_users, api_as):
    schema = api_as(team_users["admin"]).get("/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/api/v1/pipeline-changes"]["get"]["parameters"]}
    assert {"from", "to", "owner", "team", "pipeline", "category", "cursor", "limit"} <= names


@pytest.mark.parametrize(
    ("path", "params", "most"),
    [
        ("/pipeline-on", {"date": "2026-01-31"}, 5),
        ("/pipeline-changes", {"from": "2026-01-03", "to": "2026-02-28"}, 11),
    ],
)
def test_query_count_does_not_grow_with_deals(
    history, team_users, stages, api_as, now, path, params, most
):
    api = api_as(team_users["zhangyue"])
    api.get(path, **params)  # the token records its first use
    before = queries_of(lambda: api.get(path, **params))
    _more_history(team_users, stages, 12)
    after = queries_of(lambda: api.get(path, **params))
    assert after == before
    assert after <= most
