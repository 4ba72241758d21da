"""The Maven CRM data set imports completely: its counts per stage, owner and account, computed
here from the CSV files with the csv module, are the database's."""

import csv
import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from shangji.accounts.models import Account
from shangji.imports import maven
from shangji.imports.models import ImportMapping
from shangji.opportunities.models import Opportunity, Stage
from shangji.users.models import Team, User

pytestmark = pytest.mark.django_db

DATA = maven.DATA_DIRECTORY


def read(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def admin(team_users):
    return team_users["admin"]


def test_all_8800_opportunities_import_with_the_csvs_counts(admin):
    pipeline = read("sales_pipeline.csv")
    summary = maven.load(actor=admin)
    assert summary["opportunities"] == len(pipeline) == 8800
    assert (summary["managers"], summary["agents"], summary["skipped"]) == (6, 35, 0)
    deals = Opportunity.objects.filter(pipeline__name=maven.PIPELINE)

    by_stage = Counter(row["deal_stage"] for row in pipeline)
    assert dict(deals.values_list("stage__name").annotate(n=Count("id"))) == by_stage
    assert by_stage == {"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500}

    by_owner = Counter(row["sales_agent"] for row in pipeline)
    owners = Counter()
    for first, last, n in deals.values_list("owner__first_name", "owner__last_name").annotate(
        n=Count("id")
    ):
        owners[f"{first} {last}"] = n
    assert owners == by_owner

    by_account = Counter(row["account"] or maven.NO_ACCOUNT for row in pipeline)
    assert dict(deals.values_list("account__name").annotate(n=Count("id"))) == by_account
    assert by_account[maven.NO_ACCOUNT] == 337 + 1088

    won_value = sum(int(row["close_value"]) for row in pipeline if row["deal_stage"] == "Won")
    won = deals.filter(stage__name="Won").aggregate(total=Sum("amount"))["total"]
    assert won == Decimal(won_value)

    products = Counter(row["product"].replace("GTXPro", "GTX Pro") for row in pipeline)
    assert dict(deals.values_list("name").annotate(n=Count("id"))) == products


def test_users_teams_accounts_and_dates_follow_the_files(admin):
    maven.load(actor=admin)
    teams = read("sales_teams.csv")
    managers = {row["manager"]: row["regional_office"] for row in teams}
    for manager, office in managers.items():
        team = Team.objects.get(name=f"{manager} ({office})")
        assert (team.manager.display_name, team.manager.role) == (manager, "manager")
        agents = {row["sales_agent"] for row in teams if row["manager"] == manager}
        members = {user.display_name for user in team.members.filter(role="rep")}
        assert members == agents
    moses = User.objects.get(username="moses.frase")
    assert (moses.email, moses.has_usable_password()) == ("moses.frase@maven.example", False)

    accounts = read("accounts.csv")
    assert Account.objects.exclude(name=maven.NO_ACCOUNT).count() == len(accounts) == 85
    for row in accounts:
        account = Account.objects.get(name=row["account"])
        assert account.employees == int(row["employees"])
        assert account.annual_revenue == Decimal(row["revenue"]) * 1_000_000
        assert account.industry == row["sector"].replace("technolgy", "technology")
        assert (account.parent.name if account.parent else "") == row["subsidiary_of"]

    first = Opportunity.objects.get(external_id="1C1I7A6R")  # Won, 2016-10-20 → 2017-03-01
    assert (first.name, first.account.name, first.amount, first.currency_id) == (
        "GTX Plus Basic", "Cancity", Decimal("1054.00"), "USD"
    )  # fmt: skip
    assert first.amount_base == Decimal("7272.60")  # 1,054 × 6.9
    assert first.close_date == datetime.date(2017, 3, 1)
    assert first.created_at.date() == datetime.date(2016, 10, 19)  # local midnight, in UTC
    assert first.closed_at.astimezone(datetime.UTC).date() == datetime.date(2017, 2, 28)
    assert first.changes.get().changed_at == first.created_at
    open_deal = Opportunity.objects.filter(stage__name="Prospecting").first()
    prices = maven.list_prices(DATA)
    assert open_deal.close_date == datetime.date(2017, 12, 31)
    assert open_deal.amount == Decimal(prices[open_deal.name])  # the list price
    lost = Opportunity.objects.filter(stage__name="Lost").first()
    assert (lost.amount, lost.lost_reason) == (Decimal("0.00"), "No reason in the data set")
    assert Stage.objects.get(pipeline__name=maven.PIPELINE, name="Engaging").probability == 40
    assert set(ImportMapping.objects.values_list("name", flat=True)) >= {
        "Maven CRM: accounts", "Maven CRM: opportunities"
    }  # fmt: skip


def test_rows_without_account_or_close_date_can_be_left_out_and_listed(admin):
    summary = maven.load(
        actor=admin, no_account="skip", no_close_date="skip", products="keep", open_amount="zero"
    )
    pipeline = read("sales_pipeline.csv")
    kept = [row for row in pipeline if row["account"] and row["close_date"]]
    assert summary["opportunities"] == len(kept) == 6711
    assert summary["skipped"] == 8800 - 6711
    job = maven_job(summary)
    listed = set(job.row_errors.filter(skipped=True).values_list("row", flat=True))
    assert len(listed) == 2089  # each left-out row is listed with its reason
    assert Opportunity.objects.filter(name="GTXPro").count() == sum(
        1 for row in kept if row["product"] == "GTXPro"
    )
    assert not Account.objects.filter(name=maven.NO_ACCOUNT).exists()


def maven_job(summary):
    from shangji.imports.models import ImportJob

    return ImportJob.objects.get(pk=summary["jobs"]["opportunities"])
