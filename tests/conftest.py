"""Shared fixtures: the seed's team (尚品衣舍), the default pipeline and exchange rates."""

import datetime
import os
from decimal import Decimal

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_api_rate_limits(settings):
    """API rate limits cost queries the query budgets do not count; tests/api/test_rate_limits.py
    turns them on."""
    settings.API_RATE_LIMIT = 0
    settings.API_RATE_LIMIT_UNSAFE = 0


@pytest.fixture(autouse=True)
def english_by_default():
    """Tests read English unless they ask for Chinese (the product's default is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A browser that asks for English; a test passes HTTP_ACCEPT_LANGUAGE for Chinese."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})


def _ensure_reference_data():
    """The rows the data migrations create (currencies, default pipeline, organisation).

    A transactional test (live server, real worker processes) ends by emptying the tables,
    migrations' rows included; the tests after it get them back from the same functions.
    """
    import importlib

    from django.apps import apps

    from shangji.core.models import Currency
    from shangji.opportunities.models import Stage

    if not Currency.objects.exists():
        importlib.import_module("shangji.core.migrations.0002_default_currencies").add_currencies(
            apps, None
        )
    if not Stage.objects.exists():
        importlib.import_module(
            "shangji.opportunities.migrations.0003_default_pipeline"
        ).add_default_pipeline(apps, None)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Currencies and the default pipeline in every test that uses the database."""
    uses_database = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if uses_database or any(marker.name == "django_db" for marker in request.node.iter_markers()):
        request.getfixturevalue("_django_db_helper")
        _ensure_reference_data()


@pytest.fixture
def stages(db):
    """The default pipeline's stages by English name (created by the migrations)."""
    from shangji.opportunities.models import Stage

    return {stage.name: stage for stage in Stage.objects.filter(pipeline__is_default=True)}


@pytest.fixture
def rates(db):
    """USD and EUR rates to the base currency (CNY) since 2020."""
    from shangji.core.models import ExchangeRate

    start = datetime.date(2020, 1, 1)
    ExchangeRate.objects.create(currency_id="USD", valid_from=start, rate=Decimal("7.1"))
    ExchangeRate.objects.create(currency_id="EUR", valid_from=start, rate=Decimal("7.8"))


@pytest.fixture
def team_users(db):
    """admin, executive 张悦, manager 李明 with reps 王强 and 陈静, and a rep of another team."""
    from shangji.users.choices import Role
    from shangji.users.services import team_create, user_create

    def make(username, role, first, last, team=None):
        return user_create(
            username=username,
            password="demo1234",
            role=role,
            first_name=first,
            last_name=last,
            team=team,
            check_password=False,
        )

    admin = make("admin", Role.ADMIN, "", "")
    zhangyue = make("zhangyue", Role.EXECUTIVE, "悦", "张")
    liming = make("liming", Role.MANAGER, "明", "李")
    east = team_create(name="华东销售", manager=liming)
    liming.team = east
    liming.save()
    wangqiang = make("wangqiang", Role.REP, "强", "王", east)
    chenjing = make("chenjing", Role.REP, "静", "陈", east)
    north = team_create(name="华北销售")
    zhaolei = make("zhaolei", Role.REP, "磊", "赵", north)
    return {
        "admin": admin,
        "zhangyue": zhangyue,
        "liming": liming,
        "wangqiang": wangqiang,
        "chenjing": chenjing,
        "zhaolei": zhaolei,
    }


@pytest.fixture
def make_opportunity(db, stages, rates, team_users):
    """A factory creating opportunities through the service, as a user would."""
    from shangji.accounts.models import Account
    from shangji.accounts.services import account_create
    from shangji.opportunities.services import opportunity_create

    counter = iter(range(1, 10_000))

    def make(
        owner=None,
        stage="Prospecting",
        amount="1000.00",
        currency="CNY",
        close_date=None,
        account=None,
        **fields,
    ):
        owner = owner or team_users["wangqiang"]
        n = next(counter)
        if account is None:
            account = Account.objects.filter(name="新城百货").first() or account_create(
                actor=owner, name="新城百货"
            )
        return opportunity_create(
            actor=owner,
            name=fields.pop("name", f"Deal {n}"),
            amount=Decimal(amount),
            currency=_currency(currency),
            close_date=close_date or datetime.date.today() + datetime.timedelta(days=60),
            stage=stages[stage],
            account=account,
            owner=owner,
            **fields,
        )

    return make


def _currency(code):
    from shangji.core.models import Currency

    return Currency.objects.get(code=code)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with nothing reaching outside the machine."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
