"""Quotas: who may set which, amount rules, all-or-nothing grids, the fall-back to finer
periods, the quota page and the organisation settings page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shangji.core.errors import PermissionDeniedError
from shangji.forecasting.models import Quota
from shangji.forecasting.periods import period_parse
from shangji.forecasting.quotas import quota_amounts
from shangji.forecasting.services import quota_set, quotas_save
from shangji.users.choices import Role
from shangji.users.models import Organization, Team
from shangji.users.services import user_create
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
Q4 = period_parse("FY2026-Q4")
QUOTAS = reverse("forecasting:quota_edit")


@pytest.fixture
def teams(team_users):
    return {team.name: team for team in Team.objects.all()}


def stored():
    """{(holder, kind, start): amount} of every quota row."""
    return {
        (
            (quota.user.username if quota.user else quota.team.name),
            quota.period_kind,
            quota.period_start.isoformat(),
        ): quota.amount
        for quota in Quota.objects.select_related("user", "team")
    }


# Services ---------------------------------------------------------------------------------------


def test_admin_sets_updates_and_removes_a_quota(team_users):
    admin, wang = team_users["admin"], team_users["wangqiang"]
    quota = quota_set(actor=admin, period=Q4, amount="250,000.5", user=wang)
    assert (quota.amount, quota.period_kind, quota.period_start) == (
        D("250000.50"),
        "quarter",
        datetime.date(2026, 10, 1),
    )
    assert quota.updated_by == admin
    quota_set(actor=admin, period=Q4, amount=D("300000"), user=wang)
    assert stored() == {("wangqiang", "quarter", "2026-10-01"): D("300000.00")}
    assert quota_set(actor=admin, period=Q4, amount="", user=wang) is None
    assert stored() == {}
    quota_set(actor=admin, period=Q4, amount=0, user=wang)
    assert quota_set(actor=admin, period=Q4, amount=None, user=wang) is None
    assert stored() == {}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "A quota cannot be negative."),
        ("12.345", "Use at most two decimal places."),
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("1000000000000", "A quota is at most 999,999,999,999.99."),
    ],
)
def test_bad_amounts_are_refused(team_users, amount, message):
    with pytest.raises(ValidationError) as error:
        quota_set(actor=team_users["admin"], period=Q4, amount=amount, user=team_users["zhaolei"])
    assert error.value.message_dict == {"amount": [message]}
    assert stored() == {}


def test_who_may_set_which_quota(team_users, teams):
    liming, east, north = team_users["liming"], teams["华东销售"], teams["华北销售"]
    quota_set(actor=liming, period=Q4, amount="50000", team=east)
    quota_set(actor=liming, period=Q4, amount="20000", user=team_users["wangqiang"])
    quota_set(actor=liming, period=Q4, amount="10000", user=liming)  # a member of his team
    refused = [
        (liming, {"team": north}),
        (liming, {"user": team_users["zhaolei"]}),
        (liming, {"user": team_users["zhangyue"]}),  # in no team
        (team_users["wangqiang"], {"user": team_users["wangqiang"]}),
        (team_users["zhangyue"], {"team": east}),  # executives read quotas only
    ]
    for actor, holder in refused:
        with pytest.raises(PermissionDeniedError):
            quota_set(actor=actor, period=Q4, amount="1", **holder)
    quota_set(actor=team_users["admin"], period=Q4, amount="1", team=north)
    assert stored() == {
        ("华东销售", "quarter", "2026-10-01"): D("50000.00"),
        ("wangqiang", "quarter", "2026-10-01"): D("20000.00"),
        ("liming", "quarter", "2026-10-01"): D("10000.00"),
        ("华北销售", "quarter", "2026-10-01"): D("1.00"),
    }
    with pytest.raises(ValidationError):
        quota_set(actor=team_users["admin"], period=Q4, amount="1")


def test_a_grid_is_saved_whole_or_not_at_all(team_users, teams):
    liming, wang, chen = team_users["liming"], team_users["wangqiang"], team_users["chenjing"]
    east = teams["华东销售"]
    quota_set(actor=liming, period=Q4, amount="100", user=chen)
    with pytest.raises(ValidationError) as error:
        quotas_save(
            actor=liming,
            period=Q4,
            user_amounts={wang.pk: "20000", chen.pk: "-5", 999999: "1"},
            team_amounts={east.pk: "1.001"},
        )
    assert error.value.message_dict == {
        f"user-{chen.pk}": ["A quota cannot be negative."],
        "user-999999": ["Unknown rep."],
        f"team-{east.pk}": ["Use at most two decimal places."],
    }
    assert stored() == {("chenjing", "quarter", "2026-10-01"): D("100.00")}
    # A cell of another team refuses the whole grid.
    with pytest.raises(PermissionDeniedError):
        quotas_save(
            actor=liming,
            period=Q4,
            user_amounts={wang.pk: "20000"},
            team_amounts={teams["华北销售"].pk: "1"},
        )
    assert stored() == {("chenjing", "quarter", "2026-10-01"): D("100.00")}
    changed = quotas_save(
        actor=liming,
        period=Q4,
        user_amounts={wang.pk: "20000", chen.pk: "", liming.pk: ""},
        team_amounts={east.pk: "30000"},
    )
    assert changed == 3  # wang and the team set, chen removed; liming had none
    assert stored() == {
        ("wangqiang", "quarter", "2026-10-01"): D("20000.00"),
        ("华东销售", "quarter", "2026-10-01"): D("30000.00"),
    }
    assert (
        quotas_save(actor=liming, period=Q4, user_amounts={wang.pk: "20000.00"}, team_amounts={})
        == 0
    )


def test_quota_falls_back_to_the_sum_of_finer_quotas(team_users, teams):
    admin, wang, chen = team_users["admin"], team_users["wangqiang"], team_users["chenjing"]
    north = teams["华北销售"]
    for key, amount in [("2026-10", "1000"), ("2026-11", "1500"), ("2026-12", "2500")]:
        quota_set(actor=admin, period=period_parse(key), amount=amount, user=chen)
    quota_set(actor=admin, period=Q4, amount="20000", user=wang)
    quota_set(actor=admin, period=period_parse("2026-11"), amount="7", user=wang)  # under Q4
    quota_set(actor=admin, period=period_parse("FY2026-Q1"), amount="9000", team=north)
    quota_set(actor=admin, period=period_parse("FY2026-Q2"), amount="11000", team=north)
    quota_set(actor=admin, period=period_parse("2026-12"), amount="5", team=north)  # Q4 has no own
    users, team_quotas = quota_amounts(Q4)
    # chen: 1000 + 1500 + 2500; wang: the quarter's own quota wins over November's.
    assert users == {chen.pk: D("5000.00"), wang.pk: D("20000.00")}
    assert team_quotas == {north.pk: D("5.00")}  # Q4 itself: only December's
    users, team_quotas = quota_amounts(period_parse("FY2026"))
    # The year: wang's Q4 (its own quota wins over November's); chen's three months.
    assert users == {chen.pk: D("5000.00"), wang.pk: D("20000.00")}
    # Q1 + Q2 + Q4 from its months (December); Q3 has none
    assert team_quotas == {north.pk: D("20005.00")}
    quota_set(actor=admin, period=period_parse("FY2026"), amount="80000", team=north)
    assert quota_amounts(period_parse("FY2026"))[1] == {north.pk: D("80000.00")}
    assert quota_amounts(period_parse("2026-11"))[0] == {chen.pk: D("1500.00"), wang.pk: D("7.00")}


def test_quotas_follow_a_fiscal_year_starting_in_april(team_users):
    Organization.objects.filter(pk=1).update(fiscal_year_start_month=4)
    Organization.current()
    wang = team_users["wangqiang"]
    q1 = period_parse("FY2026-Q1", 4)
    assert (q1.start, q1.end) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    quota_set(actor=team_users["admin"], period=q1, amount="100", user=wang)
    quota_set(
        actor=team_users["admin"], period=period_parse("FY2026-Q4", 4), amount="300", user=wang
    )
    year = period_parse("FY2026", 4)  # 2026-04-01 .. 2027-03-31
    assert (year.start, year.end) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert quota_amounts(year)[0] == {wang.pk: D("400.00")}
    assert stored() == {
        ("wangqiang", "quarter", "2026-04-01"): D("100.00"),
        ("wangqiang", "quarter", "2027-01-01"): D("300.00"),
    }


# The quota page ---------------------------------------------------------------------------------


def test_manager_edits_the_grid_of_his_team(client, team_users, teams):
    liming, wang, chen = team_users["liming"], team_users["wangqiang"], team_users["chenjing"]
    east = teams["华东销售"]
    quota_set(actor=liming, period=period_parse("2026-10"), amount="1000", user=chen)
    client.force_login(liming)
    response = client.get(QUOTAS, {"period": "FY2026-Q4"})
    assert response.status_code == 200
    sections = response.context["sections"]
    assert [[cell.key for cell in section.cells] for section in sections] == [
        [f"team-{east.pk}", f"user-{chen.pk}", f"user-{liming.pk}", f"user-{wang.pk}"]
    ]
    html = response.content.decode()
    assert f'name="team-{east.pk}"' in html
    assert 'placeholder="1000.00"' in html  # chen's October quota counts for the quarter
    assert str(teams["华北销售"]) not in html
    assert response.context["previous_url"] == "?period=FY2026-Q3"
    assert response.context["next_url"] == "?period=FY2027-Q1"

    data = {f"team-{east.pk}": "30000", f"user-{wang.pk}": "20000", f"user-{chen.pk}": "-1"}
    response = client.post(f"{QUOTAS}?period=FY2026-Q4", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "A quota cannot be negative." in html
    assert 'value="-1"' in html and 'value="20000"' in html  # what was typed stays
    assert stored() == {("chenjing", "month", "2026-10-01"): D("1000.00")}

    data[f"user-{chen.pk}"] = ""
    response = client.post(f"{QUOTAS}?period=FY2026-Q4", data, follow=True)
    assert response.redirect_chain == [(f"{QUOTAS}?period=FY2026-Q4", 302)]
    assert "(2 changed)" in response.content.decode()
    assert stored() == {
        ("chenjing", "month", "2026-10-01"): D("1000.00"),
        ("华东销售", "quarter", "2026-10-01"): D("30000.00"),
        ("wangqiang", "quarter", "2026-10-01"): D("20000.00"),
    }
    # A cell of another team (a forged form) refuses everything.
    data[f"team-{teams['华北销售'].pk}"] = "5"
    data[f"user-{wang.pk}"] = "1"
    assert client.post(f"{QUOTAS}?period=FY2026-Q4", data).status_code == 403
    assert stored()[("wangqiang", "quarter", "2026-10-01")] == D("20000.00")


def test_quota_page_for_admins_executives_and_reps(client, team_users, teams):
    admin = team_users["admin"]
    zhou = user_create(username="zhouxun", password="x", role=Role.REP, check_password=False)
    client.force_login(admin)
    response = client.get(QUOTAS, {"period": "2026-11"})
    sections = response.context["sections"]
    assert [section.team.name if section.team else None for section in sections] == [
        "华东销售",
        "华北销售",
        None,
    ]
    assert [cell.label for cell in sections[2].cells] == ["zhouxun"]
    assert all(cell.editable for section in sections for cell in section.cells)
    client.post(f"{QUOTAS}?period=2026-11", {f"user-{zhou.pk}": "800"})
    assert stored() == {("zhouxun", "month", "2026-11-01"): D("800.00")}

    client.force_login(team_users["zhangyue"])
    response = client.get(QUOTAS, {"period": "2026-11"})
    assert response.status_code == 200
    assert '<input type="text"' not in response.content.decode()
    assert 'data-testid="quota-save"' not in response.content.decode()
    assert client.post(f"{QUOTAS}?period=2026-11", {f"user-{zhou.pk}": "1"}).status_code == 403

    client.force_login(team_users["wangqiang"])
    assert client.get(QUOTAS).status_code == 403


def test_quota_page_queries_do_not_grow_with_people(client, team_users, teams):
    client.force_login(team_users["admin"])
    few = queries_of(lambda: client.get(QUOTAS, {"period": "FY2026-Q4"}))
    for n in range(6):
        rep = user_create(
            username=f"rep{n}", password="x", team=teams["华北销售"], check_password=False
        )
        quota_set(actor=team_users["admin"], period=Q4, amount="1", user=rep)
    assert queries_of(lambda: client.get(QUOTAS, {"period": "FY2026-Q4"})) == few


# Organisation settings --------------------------------------------------------------------------


def test_organization_settings_page(client, team_users):
    url = reverse("users:organization_settings")
    client.force_login(team_users["liming"])
    assert client.get(url).status_code == 403
    client.force_login(team_users["admin"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"name": "尚品衣舍", "account_required": "on", "fiscal_year_start_month": "4"},
        follow=True,
    )
    assert "The organisation settings were saved." in response.content.decode()
    organization = Organization.current()
    assert (
        organization.name,
        organization.everyone_reads_all,
        organization.account_required,
        organization.fiscal_year_start_month,
    ) == ("尚品衣舍", False, True, 4)
    response = client.post(url, {"name": "", "fiscal_year_start_month": "13"})
    assert set(response.context["form"].errors) == {"name", "fiscal_year_start_month"}
    assert Organization.current().fiscal_year_start_month == 4
    assert f'href="{url}"' in client.get(reverse("forecasting:forecast")).content.decode()
