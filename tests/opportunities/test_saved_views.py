"""Saved views of the opportunity list: save, columns, default, team sharing, management."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shangji.core.errors import PermissionDeniedError
from shangji.savedviews.models import SavedView
from shangji.savedviews.selectors import saved_view_menu
from shangji.savedviews.services import (
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:opportunity_list")
SAVE = reverse("savedviews:saved_view_save")


def _names(response) -> list[str]:
    return [opportunity.name for opportunity in response.context["page"].items]


def _columns(response) -> list[str]:
    return re.findall(r'data-column="([a-z_]+)"', response.content.decode())


def test_save_this_view_then_open_it(client, make_opportunity, team_users, stages):
    make_opportunity(name="A", stage="Needs Analysis", amount="100")
    make_opportunity(name="B", stage="Needs Analysis", amount="300")
    make_opportunity(name="C", stage="Prospecting")
    client.force_login(team_users["wangqiang"])
    response = client.post(
        SAVE,
        {
            "list": "opportunities",
            "name": "需求分析",
            "query": f"stage={stages['Needs Analysis'].pk}&cursor=x&view=3",
            "sort": "-amount",
            "columns": ["amount", "pipeline", "lead_source"],
        },
    )
    view = SavedView.objects.get()
    assert (view.owner, view.query, view.sort) == (
        team_users["wangqiang"],
        f"stage={stages['Needs Analysis'].pk}",  # only the filters are kept
        "-amount",
    )
    assert response["Location"] == view.get_absolute_url()
    page = client.get(response["Location"])
    assert _names(page) == ["B", "A"]
    assert _columns(page) == ["name", "amount", "pipeline", "lead_source"]
    assert 'data-testid="active-view">· 需求分析' in page.content.decode()
    # Filtering further on the view keeps its columns (the form carries ?view=).
    assert f'name="view" value="{view.pk}"' in page.content.decode()


def test_opening_the_bare_list_applies_my_default(client, make_opportunity, team_users, stages):
    make_opportunity(name="A", stage="Needs Analysis")
    make_opportunity(name="C", stage="Prospecting")
    wangqiang = team_users["wangqiang"]
    first = saved_view_create(
        owner=wangqiang,
        list_name="opportunities",
        name="Analysis",
        query=f"stage={stages['Needs Analysis'].pk}",
        columns=["stage", "owner"],
        is_default=True,
    )
    client.force_login(wangqiang)
    response = client.get(LIST)
    assert _names(response) == ["A"]
    assert _columns(response) == ["name", "stage", "owner"]
    assert response.context["active_view"] == first
    # The standard list is one click away; filters given in the address win over the default.
    assert sorted(_names(client.get(LIST, {"view": "standard"}))) == ["A", "C"]
    assert _names(client.get(LIST, {"q": "C"})) == ["C"]

    second = saved_view_create(
        owner=wangqiang, list_name="opportunities", name="Everything", is_default=True
    )
    first.refresh_from_db()
    assert not first.is_default and second.is_default
    assert sorted(_names(client.get(LIST))) == ["A", "C"]

    # The page's "stop opening the list with it" button.
    client.post(reverse("savedviews:saved_view_default", args=[second.pk]), {"is_default": "0"})
    second.refresh_from_db()
    assert not second.is_default
    assert client.get(LIST).context["active_view"] is None


def test_team_shared_views_and_visibility(client, make_opportunity, team_users, stages):
    liming, wangqiang, zhaolei = (team_users[name] for name in ["liming", "wangqiang", "zhaolei"])
    make_opportunity(owner=wangqiang, name="Wang's")
    make_opportunity(owner=team_users["chenjing"], name="Chen's")
    shared = saved_view_create(
        owner=liming,
        list_name="opportunities",
        name="Team pipeline",
        query="status=open",
        shared_with_team=True,
    )
    saved_view_create(owner=liming, list_name="opportunities", name="Private")
    mine = saved_view_create(
        owner=wangqiang, list_name="opportunities", name="Mine", shared_with_team=True
    )

    def menu(user):
        own, team = saved_view_menu(user, "opportunities")
        return [view.name for view in own], [view.name for view in team]

    # 李明 manages 华东销售 (王强, 陈静): each sees the others' shared views, not private ones.
    assert menu(liming) == (["Private", "Team pipeline"], ["Mine"])
    assert menu(wangqiang) == (["Mine"], ["Team pipeline"])
    assert menu(team_users["chenjing"]) == ([], ["Mine", "Team pipeline"])
    assert menu(zhaolei) == ([], [])  # 华北销售

    # A shared view shares filters, never rows: 王强 still sees only his own.
    client.force_login(wangqiang)
    assert _names(client.get(shared.get_absolute_url())) == ["Wang's"]
    client.force_login(liming)
    assert sorted(_names(client.get(shared.get_absolute_url()))) == ["Chen's", "Wang's"]

    # Only the owner changes a view; one you cannot see does not exist for you.
    client.force_login(wangqiang)
    rename = reverse("savedviews:saved_view_rename", args=[shared.pk])
    assert client.post(rename, {"name": "Mine now"}).status_code == 403
    client.force_login(zhaolei)
    assert client.post(rename, {"name": "Mine now"}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        saved_view_delete(view=mine, actor=liming)


def test_rename_delete_and_replace_by_name(client, team_users):
    wangqiang = team_users["wangqiang"]
    view = saved_view_create(owner=wangqiang, list_name="opportunities", name="Old")
    client.force_login(wangqiang)
    client.post(reverse("savedviews:saved_view_rename", args=[view.pk]), {"name": " New "})
    view.refresh_from_db()
    assert view.name == "New"
    # Saving under the name of one of my views replaces it.
    client.post(
        SAVE, {"list": "opportunities", "name": "New", "query": "status=won", "columns": ["stage"]}
    )
    view.refresh_from_db()
    assert (SavedView.objects.count(), view.query, view.columns) == (1, "status=won", ["stage"])
    response = client.post(reverse("savedviews:saved_view_delete", args=[view.pk]))
    assert response["Location"] == LIST + "?view=standard"
    assert not SavedView.objects.exists()


def test_what_a_view_must_be(team_users):
    wangqiang = team_users["wangqiang"]
    saved_view_create(owner=wangqiang, list_name="opportunities", name="Taken")
    with pytest.raises(ValidationError) as caught:
        saved_view_create(
            owner=wangqiang,
            list_name="opportunities",
            name="Taken",
            query="status=someday&close_date_from=tomorrow",
            columns=["stage", "secret"],
            sort="-colour",
        )
    errors = caught.value.message_dict
    assert errors["name"] == ["You already have a view named “Taken”."]
    assert errors["columns"] == ["Unknown columns: secret."]
    assert errors["sort"] == ["This list cannot be sorted by that."]
    assert sorted(errors["query"]) == [
        "close_date_from: Enter a valid date.",
        "status: Select a valid choice. someday is not one of the available choices.",
    ]
    # Another user may use the same name.
    saved_view_create(owner=team_users["chenjing"], list_name="opportunities", name="Taken")
    with pytest.raises(ValidationError):
        saved_view_update(view=SavedView.objects.get(owner=wangqiang), actor=wangqiang, name="  ")


def test_list_queries_stay_bounded_with_views(client, make_opportunity, team_users):
    zhangyue = team_users["zhangyue"]
    saved_view_create(
        owner=zhangyue,
        list_name="opportunities",
        name="Wide",
        columns=[
            "account",
            "stage",
            "amount",
            "amount_base",
            "owner",
            "pipeline",
            "forecast_category",
            "type",
            "lead_source",
            "updated_at",
        ],
        is_default=True,
    )
    client.force_login(zhangyue)
    for _ in range(3):
        make_opportunity()
    few = queries_of(lambda: client.get(LIST))
    for index in range(20):
        make_opportunity(owner=team_users["chenjing" if index % 2 else "zhaolei"])
    for index in range(5):
        saved_view_create(
            owner=team_users["liming"],
            list_name="opportunities",
            name=f"Shared {index}",
            shared_with_team=True,
        )
    responses = []
    many = queries_of(lambda: responses.append(client.get(LIST)))
    assert len(responses[0].context["page"].items) == 23
    assert "pipeline" in _columns(responses[0])
    # session, user, organisation, views menu, page, notifications, and the filter form's
    # stages, pipelines count, owners, teams, pipelines.
    assert many == few <= 11
