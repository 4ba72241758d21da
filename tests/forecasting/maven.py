"""The Maven CRM sample data set (data/maven-crm/) loaded into the database; for tests only.

What `load_maven()` writes, in a handful of bulk inserts (about 9,000 rows):
- an executive `maven.executive` who reads everything and owns the accounts;
- a manager user per `manager` of sales_teams.csv and a team per manager, named after them;
- a rep per `sales_agent` (username `first.last`) in their manager's team (35 reps, of whom 5
  own no deal);
- the pipeline "Maven": Prospecting (open, 10 %), Engaging (open, 50 %), Won, Lost;
- the 85 accounts of accounts.csv (sector → industry, employees, subsidiary_of → parent);
- the 8,800 opportunities of sales_pipeline.csv, named "<opportunity_id> <product>":
  amount = close_value, or 0 where it is empty (open deals), in CNY, so amount_base = amount;
  close_date = the CSV's close_date, or OPEN_CLOSE_DATE for open deals (which have none);
  created_at = engage_date at 00:00 local time, or DATA_END for Prospecting deals (no
  engage_date); closed_at = close_date at 00:00 for won and lost deals; no account where the
  CSV has none; no lead source (the file has none). No history rows are written.
"""

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from shangji.accounts.models import Account
from shangji.opportunities.choices import ForecastCategory, StageKind
from shangji.opportunities.models import Opportunity, Pipeline, Stage
from shangji.users.choices import Role
from shangji.users.models import Team, User

DATA = Path(__file__).resolve().parents[2] / "data" / "maven-crm"
# The expected close date of every open deal: the month after the last close date of the file.
OPEN_CLOSE_DATE = datetime.date(2018, 1, 31)
# The creation day of deals without an engage_date (Prospecting): the last day of the file.
DATA_END = datetime.date(2017, 12, 31)

# CSV deal_stage → (kind, probability, forecast category), in pipeline order.
STAGES = {
    "Prospecting": (StageKind.OPEN, 10, ForecastCategory.PIPELINE),
    "Engaging": (StageKind.OPEN, 50, ForecastCategory.BEST_CASE),
    "Won": (StageKind.WON, 100, ForecastCategory.CLOSED),
    "Lost": (StageKind.LOST, 0, ForecastCategory.OMITTED),
}
# sales_pipeline.csv spells one product unlike products.csv.
PRODUCT_SPELLING = {"GTXPro": "GTX Pro"}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def username(name: str) -> str:
    return name.lower().replace(" ", ".")


@dataclass
class Maven:
    """What the loader created, by the names the CSV files use."""

    pipeline: Pipeline
    stages: dict[str, Stage]
    executive: User
    agents: dict[str, User]
    managers: dict[str, User]
    teams: dict[str, Team]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _users(rows: list[dict[str, str]], role: str, teams: dict[str, Team] | None = None) -> None:
    User.objects.bulk_create(
        User(
            username=username(row["name"]),
            first_name=row["name"].split(" ", 1)[0],
            last_name=row["name"].split(" ", 1)[1],
            password=make_password(None),
            role=role,
            team=teams[row["team"]] if teams else None,
        )
        for row in rows
    )


def _by_name(names) -> dict[str, User]:
    users = User.objects.in_bulk([username(name) for name in names], field_name="username")
    return {name: users[username(name)] for name in names}


def load_maven() -> Maven:
    """Write the data set (see the module docstring) and return what was created."""
    sales_teams = read_csv("sales_teams.csv")
    executive = User.objects.create(
        username="maven.executive", password=make_password(None), role=Role.EXECUTIVE
    )
    manager_names = sorted({row["manager"] for row in sales_teams})
    _users([{"name": name} for name in manager_names], Role.MANAGER)
    managers = _by_name(manager_names)
    Team.objects.bulk_create(Team(name=name, manager=managers[name]) for name in manager_names)
    teams = {team.name: team for team in Team.objects.filter(name__in=manager_names)}
    for name, manager in managers.items():
        manager.team = teams[name]
    User.objects.bulk_update(managers.values(), ["team"])
    rows = [{"name": row["sales_agent"], "team": row["manager"]} for row in sales_teams]
    _users(rows, Role.REP, teams)
    agents = _by_name([row["sales_agent"] for row in sales_teams])

    pipeline = Pipeline.objects.create(name="Maven", position=1)
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=name,
            position=position,
            kind=kind,
            probability=probability,
            forecast_category=category,
        )
        for position, (name, (kind, probability, category)) in enumerate(STAGES.items(), 1)
    )
    stages = {stage.name: stage for stage in Stage.objects.filter(pipeline=pipeline)}

    account_rows = read_csv("accounts.csv")
    Account.objects.bulk_create(
        Account(
            name=row["account"],
            industry=row["sector"],
            employees=int(row["employees"]),
            owner=executive,
        )
        for row in account_rows
    )
    accounts = {account.name: account for account in Account.objects.filter(owner=executive)}
    subsidiaries = [row for row in account_rows if row["subsidiary_of"]]
    for row in subsidiaries:
        accounts[row["account"]].parent = accounts[row["subsidiary_of"]]
    Account.objects.bulk_update([accounts[row["account"]] for row in subsidiaries], ["parent"])

    opportunities = []
    for row in read_csv("sales_pipeline.csv"):
        stage = stages[row["deal_stage"]]
        amount = Decimal(row["close_value"] or 0)
        close_date = datetime.date.fromisoformat(row["close_date"] or OPEN_CLOSE_DATE.isoformat())
        engaged = datetime.date.fromisoformat(row["engage_date"] or DATA_END.isoformat())
        product = PRODUCT_SPELLING.get(row["product"], row["product"])
        opportunities.append(
            Opportunity(
                name=f"{row['opportunity_id']} {product}",
                account=accounts[row["account"]] if row["account"] else None,
                amount=amount,
                currency_id="CNY",
                exchange_rate=Decimal(1),
                amount_base=amount,
                close_date=close_date,
                pipeline=pipeline,
                stage=stage,
                probability=stage.probability,
                forecast_category=stage.forecast_category,
                owner=agents[row["sales_agent"]],
                closed_at=None if stage.kind == StageKind.OPEN else _local_midnight(close_date),
                created_at=_local_midnight(engaged),
            )
        )
    # created_at is auto_now_add: switched off for this insert so the engage dates stay.
    created_at = Opportunity._meta.get_field("created_at")
    with mock.patch.object(created_at, "auto_now_add", False):
        Opportunity.objects.bulk_create(opportunities, batch_size=2000)
    return Maven(pipeline, stages, executive, agents, managers, teams)
