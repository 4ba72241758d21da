"""The Maven "CRM Sales Opportunities" data set (data/maven-crm/), loaded through the importer.

What becomes of it (the choices are the loader's options and the shipped mappings below):

- `sales_teams.csv`: each manager becomes a user with the manager role and a team of their own,
  named "<manager> (<regional office>)" — the office (Central, East, West) lives in the team's
  name; each sales agent becomes a rep in their manager's team. User names are the names in
  lower case with a dot ("moses.frase"), e-mail <user name>@maven.example.
- A pipeline "Maven CRM" with the data set's four stages: Prospecting (open, 10 %), Engaging
  (open, 40 %), Won (won, 100 %), Lost (lost, 0 %).
- `accounts.csv` (the shipped accounts mapping): sector → industry (`technolgy` read as
  `technology`), employees, revenue (USD millions) × 1,000,000 → annual revenue,
  office_location → address, year_established → description, subsidiary_of → parent account;
  external ID `maven:<account>`.
- `sales_pipeline.csv` (the shipped opportunities mapping): opportunity_id → external ID, the
  product → the opportunity's name (`GTXPro` → `GTX Pro` unless products="keep"),
  sales_agent → owner, deal_stage → stage, engage_date → created at, close_date → expected
  close date (and closed at for won and lost deals), close_value → amount in USD.
  Rows without an account: account "(Maven) no account" (no_account="placeholder", created by
  the import) or left out and listed (no_account="skip"). Open deals have no close date: a
  fixed date (no_close_date="2017-12-31", the end of the data) or left out ("skip"). Open deals
  have no value: the product's list price from products.csv (open_amount="list_price") or 0
  ("zero"). Lost deals keep their value 0 and get the lost reason "No reason in the data set".
- Amounts are in USD: when no USD rate covers October 2016, an illustrative rate (6.9 CNY per
  USD from 2016-01-01) is added so base-currency figures can be computed.
"""

import csv
import datetime
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

from shangji.core import money
from shangji.core.models import ExchangeRate
from shangji.opportunities.choices import ForecastCategory, StageKind
from shangji.opportunities.models import Pipeline, Stage
from shangji.opportunities.pipeline_services import pipeline_create, stage_create
from shangji.users.choices import Role
from shangji.users.models import Team, User
from shangji.users.services import team_create, user_create

from . import engine, services
from .models import ImportJob, JobAction

DATA_DIRECTORY = Path(settings.PACKAGE_DIR).parent.parent / "data" / "maven-crm"
PIPELINE = "Maven CRM"
NO_ACCOUNT = "(Maven) no account"
END_OF_DATA = "2017-12-31"
STAGES = [  # name, Chinese name, probability, kind, forecast category
    ("Prospecting", "初步接触", 10, StageKind.OPEN, ForecastCategory.PIPELINE),
    ("Engaging", "深入沟通", 40, StageKind.OPEN, ForecastCategory.PIPELINE),
    ("Won", "赢单", 100, StageKind.WON, ForecastCategory.CLOSED),
    ("Lost", "丢单", 0, StageKind.LOST, ForecastCategory.OMITTED),
]
USD_RATE = (datetime.date(2016, 1, 1), Decimal("6.9"))

ACCOUNTS_MAPPING = {
    "fields": {
        "external_id": {"template": "maven:{account}"},
        "name": {"column": "account"},
        "industry": {"column": "sector", "map": {"technolgy": "technology"}},
        "employees": {"column": "employees"},
        "annual_revenue": {"column": "revenue", "scale": "1000000"},
        "address": {"column": "office_location"},
        "description": {"template": "Established {year_established}."},
        "parent": {"column": "subsidiary_of"},
    },
    "options": {},
}


def opportunities_mapping(
    *,
    no_account: str = "placeholder",
    no_close_date: str = END_OF_DATA,
    products: str = "merge",
    open_amount: str = "list_price",
    prices: dict[str, str] | None = None,
) -> dict:
    """The mapping of sales_pipeline.csv for the choices the loader offers."""
    account = {"column": "account"}
    account.update({"skip_if_empty": True} if no_account == "skip" else {"default": NO_ACCOUNT})
    close_date: dict = {"column": "close_date"}
    close_date.update(
        {"skip_if_empty": True} if no_close_date == "skip" else {"default": no_close_date}
    )
    amount: dict = {"column": "close_value"}
    if open_amount == "list_price":
        amount["fallback"] = {"column": "product", "map": prices or {}}
    else:
        amount["default"] = "0"
    name: dict = {"column": "product"}
    if products == "merge":
        name["map"] = {"GTXPro": "GTX Pro"}
    return {
        "fields": {
            "external_id": {"column": "opportunity_id"},
            "name": name,
            "owner": {"column": "sales_agent"},
            "account": account,
            "stage": {"column": "deal_stage"},
            "close_date": close_date,
            "amount": amount,
            "currency": {"default": "USD"},
            "created_at": {"column": "engage_date"},
            "closed_at": {"column": "close_date"},
            "lost_reason": {
                "column": "deal_stage",
                "map": {"Lost": "No reason in the data set", "Won": "", "Engaging": "",
                        "Prospecting": ""},
            },
        },
        "options": {"pipeline": PIPELINE, "create_accounts": no_account != "skip",
                    "date_order": "mdy", "decimal_mark": "."},
    }  # fmt: skip


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def list_prices(directory: Path) -> dict[str, str]:
    """Each product's list price, under both spellings of GTX Pro."""
    prices = {row["product"]: row["sales_price"] for row in _rows(directory / "products.csv")}
    if "GTX Pro" in prices:
        prices["GTXPro"] = prices["GTX Pro"]
    return prices


def username_of(name: str) -> str:
    return ".".join(name.lower().split())


def _user(name: str, role: str, team: Team | None, password: str | None) -> User:
    username = username_of(name)
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _space, last = name.partition(" ")
        user = user_create(
            username=username,
            password=password or secrets.token_urlsafe(16),
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@maven.example",
            team=team,
            check_password=False,
        )
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif team is not None and user.team_id != team.pk:
        User.objects.filter(pk=user.pk).update(team=team)
    return user


def load_sales_teams(directory: Path, password: str | None = None) -> dict:
    """Managers (with a team each) and agents (reps in their manager's team) as users."""
    teams: dict[str, Team] = {}
    agents = 0
    for row in _rows(directory / "sales_teams.csv"):
        manager_name, office = row["manager"], row["regional_office"]
        if manager_name not in teams:
            manager = _user(manager_name, Role.MANAGER, None, password)
            team_name = f"{manager_name} ({office})"
            team = Team.objects.filter(name=team_name).first() or team_create(
                name=team_name, manager=manager
            )
            User.objects.filter(pk=manager.pk).update(team=team)
            teams[manager_name] = team
        _user(row["sales_agent"], Role.REP, teams[manager_name], password)
        agents += 1
    return {"managers": len(teams), "agents": agents}


def ensure_pipeline(actor) -> Pipeline:
    """The Maven CRM pipeline with its four stages (created once)."""
    pipeline = Pipeline.objects.filter(name=PIPELINE).first() or pipeline_create(
        actor=actor, name=PIPELINE, name_zh_hans="Maven 销售流程"
    )
    present = set(Stage.objects.filter(pipeline=pipeline).values_list("name", flat=True))
    for name, chinese, probability, kind, category in STAGES:
        if name not in present:
            stage_create(
                actor=actor,
                pipeline=pipeline,
                name=name,
                name_zh_hans=chinese,
                probability=probability,
                kind=kind,
                forecast_category=category,
            )
    return pipeline


def ensure_usd_rate() -> bool:
    """Add the illustrative USD rate when no rate covers the data set; True when added."""
    if money.rate_on("USD", datetime.date(2016, 10, 1)) is not None:
        return False
    ExchangeRate.objects.get_or_create(
        currency_id="USD", valid_from=USD_RATE[0], defaults={"rate": USD_RATE[1]}
    )
    return True


def import_now(*, actor, kind: str, path: Path, mapping: dict) -> ImportJob:
    """Import one file with `mapping` in this process (no worker) and return the job."""
    with open(path, "rb") as handle:
        job = services.import_job_create(
            actor=actor, kind=kind, file=File(handle, name=path.name), mapping=mapping
        )
    services.import_job_start(job=job, actor=actor, action=JobAction.IMPORT)
    engine.execute(job.pk, JobAction.IMPORT, actor.pk)
    job.refresh_from_db()
    return job


def load(
    *, actor, directory: Path = DATA_DIRECTORY, password: str | None = None, **choices
) -> dict:
    """Users and teams, the pipeline, then accounts and opportunities through the importer.

    `choices` are those of `opportunities_mapping`. Raises ValidationError when an import
    does not finish (its job tells why).
    """
    directory = Path(directory)
    people = load_sales_teams(directory, password)
    ensure_pipeline(actor)
    rate_added = ensure_usd_rate()
    opportunities = opportunities_mapping(prices=list_prices(directory), **choices)
    for name, kind, mapping in (
        ("Maven CRM: accounts", "accounts", ACCOUNTS_MAPPING),
        ("Maven CRM: opportunities", "opportunities", opportunities),
    ):
        services.import_mapping_save(actor=actor, kind=kind, name=name, mapping=mapping)
    jobs = {}
    for kind, filename, mapping in (
        ("accounts", "accounts.csv", ACCOUNTS_MAPPING),
        ("opportunities", "sales_pipeline.csv", opportunities),
    ):
        job = import_now(actor=actor, kind=kind, path=directory / filename, mapping=mapping)
        if job.status != "done":
            first = job.row_errors.order_by("row").first()
            detail = f" (row {first.row}: {first.message})" if first else ""
            raise ValidationError(f"{filename}: {job.message}{detail}")
        jobs[kind] = job
    return {
        **people,
        "rate_added": rate_added,
        "accounts": jobs["accounts"].created_count + jobs["accounts"].updated_count,
        "opportunities": jobs["opportunities"].created_count + jobs["opportunities"].updated_count,
        "skipped": jobs["opportunities"].skipped_count,
        "jobs": {kind: job.pk for kind, job in jobs.items()},
    }
