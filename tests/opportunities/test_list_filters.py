"""The list page's team and "no lead source" filters (the reports' drill-downs use them)."""

import pytest
from django.urls import reverse

from shangji.users.models import Team

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:opportunity_list")


@pytest.fixture
def spread(make_opportunity, team_users):
    """Four deals: 王强 (east, two), 陈静 (east, since left), 赵磊 (north)."""
    wang, chen = team_users["wangqiang"], team_users["chenjing"]
    made = {
        "Wang web": make_opportunity(wang, name="Wang web", lead_source="Web Site"),
        "Wang none": make_opportunity(wang, name="Wang none"),
        "Chen none": make_opportunity(chen, name="Chen none"),
        "Zhao none": make_opportunity(team_users["zhaolei"], name="Zhao none"),
    }
    chen.is_active = False
    chen.save()
    return made


def _names(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert response.context["page"] is not None, response.context["filter"].errors
    return sorted(o.name for o in response.context["page"].items)


def test_team_lists_its_members_deals_active_or_not(client, spread, team_users):
    east, north = Team.objects.get(name="华东销售"), Team.objects.get(name="华北销售")
    client.force_login(team_users["zhangyue"])
    assert _names(client, team=east.pk) == ["Chen none", "Wang none", "Wang web"]
    assert _names(client, team=north.pk) == ["Zhao none"]
    assert _names(client, team=east.pk, owner=team_users["wangqiang"].pk) == [
        "Wang none",
        "Wang web",
    ]
    assert _names(client, team=north.pk, owner=team_users["wangqiang"].pk) == []


def test_team_does_not_widen_what_a_user_sees(client, spread, team_users):
    north = Team.objects.get(name="华北销售")
    client.force_login(team_users["wangqiang"])
    assert _names(client, team=north.pk) == []
    client.force_login(team_users["liming"])
    assert _names(client, team=Team.objects.get(name="华东销售").pk) == [
        "Chen none",
        "Wang none",
        "Wang web",
    ]


def test_no_lead_source(client, spread, team_users):
    client.force_login(team_users["zhangyue"])
    assert _names(client, lead_source="none") == ["Chen none", "Wang none", "Zhao none"]
    assert _names(client, lead_source="Web Site") == ["Wang web"]
    east = Team.objects.get(name="华东销售")
    assert _names(client, lead_source="none", team=east.pk) == ["Chen none", "Wang none"]


def test_filter_form_offers_team_and_none(client, spread, team_users):
    client.force_login(team_users["zhangyue"])
    east = Team.objects.get(name="华东销售")
    response = client.get(LIST, {"team": east.pk})
    html = response.content.decode()
    assert '<select name="team" id="id_team">' in html
    assert f'<option value="{east.pk}" selected>华东销售</option>' in html
    assert '<option value="none">None</option>' in html
    # a chosen team opens "More filters"
    assert '<details class="more-filters" open>' in html


def test_unknown_team_is_a_form_error(client, spread, team_users):
    client.force_login(team_users["zhangyue"])
    response = client.get(LIST, {"team": 999999, "lead_source": "nobody"})
    assert response.context["page"] is None
    assert set(response.context["filter"].errors) == {"team", "lead_source"}
