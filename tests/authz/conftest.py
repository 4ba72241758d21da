"""The authorisation matrix's world: one record of every kind per owner, built once per module.

Building it per test would cost ~2,000 × the same writes; instead a module-scoped fixture
writes it inside one transaction (rolled back when the module ends, as Django's
`setUpTestData` does), and every test runs in its own savepoint inside it. The users and teams
are the ones of `team_users` in tests/conftest.py, made by the same services.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.test import Client, override_settings
from django.utils import timezone, translation

from tests.api.conftest import ApiClient
from tests.conftest import _ensure_reference_data

from .rules import ACTORS, MISSING_ID, OWNER_OF

USERNAMES = ["admin", "zhangyue", "liming", "wangqiang", "chenjing", "zhaolei"]


@dataclass
class World:
    """Everything the matrix drives requests against, by owner username."""

    users: dict
    teams: dict
    tokens: dict = field(default_factory=dict)  # username → raw API key
    sessions: dict = field(default_factory=dict)  # username → signed-in session key
    records: dict = field(default_factory=dict)  # (kind, owner username) → record
    webhook: object = None
    delivery: object = None

    def user(self, role: str):
        return self.users[ACTORS[role]]

    def owner(self, role: str, relation: str):
        return self.users[OWNER_OF[(role, relation)]]

    def record(self, kind: str, role: str, relation: str):
        """The record of `kind` whose owner stands in `relation` to `role`'s user."""
        if relation == "missing":
            return None
        return self.records[(kind, OWNER_OF[(role, relation)])]

    def pk(self, kind: str, role: str, relation: str) -> int:
        record = self.record(kind, role, relation)
        return MISSING_ID if record is None else record.pk


def _build(world_stages) -> World:
    from shangji.accounts.services import account_create
    from shangji.activities.services import activity_create
    from shangji.contacts.services import contact_create
    from shangji.core.models import Currency, ExchangeRate
    from shangji.forecasting.snapshots import forecast_snapshot_take
    from shangji.imports.services import import_job_create, import_mapping_save
    from shangji.leads.services import lead_create
    from shangji.opportunities.bulk import bulk_update_start
    from shangji.opportunities.services import (
        competitor_add,
        opportunity_contact_set,
        opportunity_create,
    )
    from shangji.savedviews.services import saved_view_create
    from shangji.users.choices import Role
    from shangji.users.models import Notification
    from shangji.users.services import api_token_create, team_create, user_create
    from shangji.webhooks.services import webhook_create, webhook_send_test

    start = datetime.date(2020, 1, 1)
    ExchangeRate.objects.create(currency_id="USD", valid_from=start, rate=Decimal("7.1"))

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

    users = {
        "admin": make("admin", Role.ADMIN, "", ""),
        "zhangyue": make("zhangyue", Role.EXECUTIVE, "悦", "张"),
        "liming": make("liming", Role.MANAGER, "明", "李"),
    }
    east = team_create(name="华东销售", manager=users["liming"])
    users["liming"].team = east
    users["liming"].save()
    users["wangqiang"] = make("wangqiang", Role.REP, "强", "王", east)
    users["chenjing"] = make("chenjing", Role.REP, "静", "陈", east)
    north = team_create(name="华北销售")
    users["zhaolei"] = make("zhaolei", Role.REP, "磊", "赵", north)
    world = World(users=users, teams={"east": east, "north": north})

    cny = Currency.objects.get(code="CNY")
    today = datetime.date.today()
    for index, username in enumerate(USERNAMES, start=1):
        owner = users[username]
        account = account_create(actor=owner, name=f"Account of {username}")
        contact = contact_create(actor=owner, account=account, last_name=f"Contact {username}")
        opportunity = opportunity_create(
            actor=owner,
            name=f"Deal of {username}",
            # Distinct powers of ten: any sum of amounts says whose deals it counted.
            amount=Decimal(10**index),
            currency=cny,
            close_date=today,
            stage=world_stages["Prospecting"],
            account=account,
            owner=owner,
            lead_source="Web Site",
        )
        opportunity_contact_set(
            opportunity=opportunity, contact=contact, role="Business Evaluator", actor=owner
        )
        competitor = competitor_add(opportunity=opportunity, actor=owner, name=f"Rival {username}")
        # A lead given by someone else: its owner gets a notification.
        giver = users["zhangyue"] if username == "admin" else users["admin"]
        lead = lead_create(actor=giver, owner=owner, last_name=f"Lead {username}", company="Co")
        activity = activity_create(
            actor=owner,
            kind="call",
            subject=f"Call about the deal of {username}",
            starts_at=timezone.now(),
            opportunity=opportunity,
            attachments=[SimpleUploadedFile(f"{username}.txt", b"minutes", "text/plain")],
        )
        account_call = activity_create(
            actor=owner,
            kind="call",
            subject=f"Call on the account of {username}",
            starts_at=timezone.now(),
            account=account,
        )
        lead_call = activity_create(
            actor=owner,
            kind="call",
            subject=f"Call on the lead of {username}",
            starts_at=timezone.now(),
            lead=lead,
        )
        view = saved_view_create(
            owner=owner,
            list_name="opportunities",
            name=f"View of {username}",
            shared_with_team=True,
        )
        job = import_job_create(
            actor=owner,
            kind="accounts",
            file=SimpleUploadedFile(f"{username}.csv", b"Name\nImported\n", "text/csv"),
        )
        mapping = import_mapping_save(
            actor=owner, kind="accounts", name=f"Mapping of {username}", mapping={"Name": "name"}
        )
        bulk = bulk_update_start(actor=owner, changes={"close_date": today}, ids=[opportunity.pk])
        token, raw = api_token_create(user=owner, name=f"key of {username}")
        world.tokens[username] = raw
        browser = Client()
        browser.force_login(owner)
        world.sessions[username] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        world.records.update(
            {
                ("account", username): account,
                ("contact", username): contact,
                ("opportunity", username): opportunity,
                ("competitor", username): competitor,
                ("lead", username): lead,
                ("activity", username): activity,
                ("attachment", username): activity.attachments.get(),
                ("account_activity", username): account_call,
                ("lead_activity", username): lead_call,
                ("saved_view", username): view,
                ("import_job", username): job,
                ("import_mapping", username): mapping,
                ("bulk_job", username): bulk,
                ("api_key", username): token,
                ("notification", username): Notification.objects.filter(recipient=owner).first(),
                ("user", username): owner,
            }
        )
    world.webhook = webhook_create(
        actor=users["admin"], url="https://example.com/hook", events=["opportunity.created"]
    )
    world.delivery = webhook_send_test(webhook=world.webhook, actor=users["admin"])
    forecast_snapshot_take()  # this week's figures, for the forecast accuracy
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The module's records, written in one transaction that is rolled back at the end."""
    from shangji.opportunities.models import Stage

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        translation.override("en"),
    ):
        atomics = [transaction.atomic(using=alias) for alias in connections]
        for atomic in atomics:
            atomic.__enter__()
        try:
            _ensure_reference_data()
            stages = {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}
            yield _build(stages)
        finally:
            for alias, atomic in reversed(list(zip(connections, atomics, strict=True))):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


@pytest.fixture
def page_as(world, db):
    """page_as(role) → a test client signed in as the role's user (English), with the session
    the world signed in once (a test that signs out rolls that back with its savepoint)."""

    def make(role: str) -> Client:
        client = Client(headers={"accept-language": "en"})
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[ACTORS[role]]
        return client

    return make


class WorldApiClient(ApiClient):
    """An ApiClient using the world's key of a user (no key is created per test)."""

    def __init__(self, raw: str):
        self.client = Client(headers={"Accept-Language": "en", "Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_of(world, db):
    """api_of(role) → an ApiClient with the role's user's API key."""

    def make(role: str) -> WorldApiClient:
        return WorldApiClient(world.tokens[ACTORS[role]])

    return make
