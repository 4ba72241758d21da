"""GET /opportunities?team=…&lead_source=none: the list page's filters, as JSON."""

import pytest

from shangji.users.models import Team
from tests.opportunities.test_list_filters import spread  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _names(client, **params) -> list[str]:
    response = client.get("/opportunities", **params)
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_team_and_no_lead_source(api_as, spread, team_users):  # noqa: F811
    east, north = Team.objects.get(name="华东销售"), Team.objects.get(name="华北销售")
    api = api_as(team_users["zhangyue"])
    # 陈静 has left the team's active members; her deal still counts as the team's
    assert _names(api, team=east.pk) == ["Chen none", "Wang none", "Wang web"]
    assert _names(api, team=north.pk) == ["Zhao none"]
    assert _names(api, lead_source="none") == ["Chen none", "Wang none", "Zhao none"]
    assert _names(api, lead_source="none", team=east.pk) == ["Chen none", "Wang none"]
    assert _names(api, lead_source="Web Site", team=north.pk) == []
    # a rep's view is not widened by naming another team
    assert _names(api_as(team_users["wangqiang"]), team=north.pk) == []


@pytest.mark.parametrize(
    "params,status",
    [({"team": 999999}, 400), ({"team": "east"}, 422), ({"lead_source": "nobody"}, 422)],
)
def test_bad_team_or_lead_source(api_as, spread, team_users, params, status):  # noqa: F811
    response = api_as(team_users["zhangyue"]).get("/opportunities", **params)
    assert response.status_code == status, response.json()
    assert list(response.json()["errors"]) == list(params)


def test_schema_declares_the_filters(api_as):
    schema = api_as().get("/openapi.json").json()
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/opportunities"]["get"]["parameters"]
    }
    assert parameters["team"]["schema"]["anyOf"][0] == {"type": "integer"}
    lead_source = parameters["lead_source"]["schema"]["anyOf"][0]
    assert {"Web Site", "Cold Call", "none"} <= set(lead_source["enum"])
