"""`shangji generate` at a small scale: the plan's counts, the same rows for the same seed,
records that agree with their history, and the pages a manager opens."""

import datetime
import hashlib
import io
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shangji.accounts.models import Account
from shangji.activities.choices import DONE_STATUSES
from shangji.activities.models import Activity, ActivityParticipant, EmailMessage, Reminder
from shangji.contacts.models import Contact
from shangji.core import money
from shangji.core.models import ExchangeRate
from shangji.forecasting.models import Quota
from shangji.forecasting.time_travel import states_at
from shangji.generator import company, deals
from shangji.generator.build import BIG_TABLES, GenerateError, generate
from shangji.generator.plan import Plan
from shangji.opportunities.models import (
    TRACKED_FIELDS,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
)
from shangji.users.choices import Role
from shangji.users.models import Team, User

SIZE = 400
WRITTEN = [
    (User, company.USER_FIELDS),
    (Team, company.TEAM_FIELDS),
    (ExchangeRate, company.RATE_FIELDS),
    (Quota, company.QUOTA_FIELDS),
    (Account, company.ACCOUNT_FIELDS),
    (Contact, company.CONTACT_FIELDS),
    (Opportunity, deals.OPPORTUNITY_FIELDS),
    (OpportunityChange, deals.CHANGE_FIELDS),
    (OpportunityContact, deals.ROLE_FIELDS),
    (Activity, deals.ACTIVITY_FIELDS),
    (EmailMessage, deals.EMAIL_FIELDS),
    (ActivityParticipant, deals.PARTICIPANT_FIELDS),
    (Reminder, deals.REMINDER_FIELDS),
]
# Children first, so that a raw DELETE never leaves a dangling reference.
DELETE_ORDER = [model for model, _fields in reversed(WRITTEN)]


@pytest.fixture
def generated(db):
    return generate(opportunities=SIZE, seed=11)


def checksum() -> str:
    digest = hashlib.sha256()
    for model, fields in WRITTEN:
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def empty_tables() -> None:
    Team.objects.update(manager=None)
    for model in DELETE_ORDER:
        model.objects.all()._raw_delete(connection.alias)


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        names = set()
        for model in BIG_TABLES:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            names |= {name for name, info in constraints.items() if info["index"]}
    return names


def test_every_column_is_written():
    for model, fields in WRITTEN:
        columns = {field.name for field in model._meta.concrete_fields}
        assert set(fields) == columns, model
        assert len(fields) == len(set(fields))


def test_counts_follow_the_plan(generated):
    plan = Plan.of(SIZE)
    assert generated.plan == plan
    assert User.objects.count() == plan.users == 8
    assert Team.objects.count() == plan.teams == 2
    assert Account.objects.count() == plan.accounts == 40
    assert Contact.objects.count() == plan.contacts == 100
    assert Opportunity.objects.count() == plan.opportunities == SIZE
    assert OpportunityChange.objects.count() == plan.history == 3 * SIZE
    assert Activity.objects.count() == plan.activities == 5 * SIZE
    open_tasks = Activity.objects.filter(kind="task").exclude(status__in=DONE_STATUSES)
    assert open_tasks.count() == plan.open_tasks == 120
    assert Reminder.objects.filter(status="pending").count() == plan.open_tasks
    assert generated.rows["opportunities.Opportunity"] == SIZE
    # Every team has a manager who manages it and belongs to it, and reps.
    for team in Team.objects.all():
        assert team.manager.role == Role.MANAGER and team.manager.team_id == team.pk
        assert team.members.filter(role=Role.REP).count() >= 2


def test_same_seed_same_rows_and_another_seed_others(db):
    indexes = index_names()
    generate(opportunities=SIZE, seed=11)
    first = checksum()
    assert index_names() == indexes
    empty_tables()
    generate(opportunities=SIZE, seed=11)
    assert checksum() == first
    empty_tables()
    generate(opportunities=SIZE, seed=12)
    assert checksum() != first


def test_rows_pass_validation_and_references_hold(generated):
    connection.check_constraints()
    # The creation row has no previous values (the service writes it without full_clean).
    previous = [f"previous_{name}" for name in TRACKED_FIELDS]
    for model, _fields in WRITTEN:
        for row in model.objects.order_by("?")[:15]:
            row.full_clean(exclude=previous if model is OpportunityChange else None)


def test_latest_history_row_is_the_current_state(generated):
    now = timezone.now()
    opportunities = {o.pk: o for o in Opportunity.objects.select_related("stage")}
    rows_of: dict[int, list] = {}
    for row in OpportunityChange.objects.order_by("changed_at", "id"):
        rows_of.setdefault(row.opportunity_id, []).append(row)
    assert rows_of.keys() == opportunities.keys()
    for pk, opportunity in opportunities.items():
        rows = rows_of[pk]
        first, last = rows[0], rows[-1]
        assert first.is_creation and first.changed_at == opportunity.created_at
        assert first.changed_fields == list(TRACKED_FIELDS)
        for name in ("stage_id", "amount", "currency_id", "amount_base", "probability"):
            assert getattr(last, name) == getattr(opportunity, name), (pk, name)
        assert last.close_date == opportunity.close_date
        assert last.owner_id == opportunity.owner_id
        assert last.forecast_category == opportunity.forecast_category
        assert opportunity.probability == opportunity.stage.probability
        assert opportunity.version >= len(rows)
        assert opportunity.updated_at >= last.changed_at
        assert opportunity.updated_at < now
        for before, after in itertools.pairwise(rows):
            assert before.changed_at < after.changed_at
            assert after.previous_stage_id == before.stage_id
            assert after.previous_amount == before.amount
            assert after.previous_close_date == before.close_date
            assert after.previous_amount_base == before.amount_base
            changed = [
                name
                for name in TRACKED_FIELDS
                if getattr(after, f"{name}_id", getattr(after, name, None))
                != getattr(before, f"{name}_id", getattr(before, name, None))
            ]
            assert after.changed_fields == changed and changed
        if opportunity.stage.is_closed:
            assert opportunity.closed_at == last.changed_at
            assert "stage" in last.changed_fields
            assert opportunity.close_date <= timezone.localdate()
            assert bool(opportunity.lost_reason) == opportunity.stage.is_lost
        else:
            assert opportunity.closed_at is None and not opportunity.lost_reason


def test_base_amounts_use_the_rate_the_service_would(generated):
    for opportunity in Opportunity.objects.all():
        assert opportunity.amount_base == money.to_base(
            opportunity.amount, opportunity.exchange_rate
        )
        # The rate of the last write that changed amount or close date (or the creation).
        rows = opportunity.changes.order_by("-changed_at", "-id")
        last = next(
            row
            for row in rows
            if row.is_creation or {"amount", "close_date"} & set(row.changed_fields)
        )
        day = min(last.close_date, timezone.localdate(last.changed_at))
        assert opportunity.exchange_rate == money.rate_on(opportunity.currency_id, day)
    assert set(Opportunity.objects.values_list("currency", flat=True)) == {"CNY", "USD", "EUR"}


def test_history_gives_today_s_pipeline_and_a_realistic_mix(generated):
    now = timezone.now()
    states = {row.opportunity_id: row.stage_id for row in states_at(Opportunity.objects, now)}
    assert states == dict(Opportunity.objects.values_list("pk", "stage_id"))
    kinds = dict.fromkeys(("open", "won", "lost"), 0)
    for kind in Opportunity.objects.values_list("stage__kind", flat=True):
        kinds[kind] += 1
    assert all(kinds[kind] > SIZE * 0.1 for kind in kinds), kinds
    closes = Opportunity.objects.values_list("close_date", flat=True)
    assert (max(closes) - min(closes)).days > 2 * 365
    names = list(Account.objects.values_list("name", flat=True))
    assert any(name.isascii() for name in names) and not all(name.isascii() for name in names)


def test_activities_are_linked_and_open_tasks_have_pending_reminders(generated):
    now = timezone.now()
    assert set(Activity.objects.values_list("kind", flat=True)) == {
        "call",
        "meeting",
        "email",
        "note",
        "task",
    }
    for activity in Activity.objects.select_related("opportunity", "contact"):
        if activity.opportunity_id:
            assert activity.account_id == activity.opportunity.account_id
            assert activity.created_at >= activity.opportunity.created_at
        if activity.contact_id:
            assert activity.account_id == activity.contact.account_id
        assert activity.created_at <= activity.updated_at
        if activity.kind == "email":
            assert activity.email.message_id
    open_tasks = Activity.objects.filter(kind="task").exclude(status__in=DONE_STATUSES)
    for task in open_tasks.prefetch_related("reminders"):
        (reminder,) = task.reminders.all()
        assert reminder.status == "pending" and reminder.recipient_id == task.owner_id
        expected = task.starts_at - datetime.timedelta(minutes=reminder.minutes_before)
        assert reminder.remind_at == expected and reminder.remind_at > now
        assert task.completed_at is None
    assert not Reminder.objects.exclude(activity__in=open_tasks).exists()


def test_values_are_stored_as_django_stores_them(generated):
    """Writing a generated row back through the ORM leaves its columns as they were."""
    with connection.cursor() as cursor:
        for model in (Opportunity, OpportunityChange, Activity, Reminder, Contact):
            row = model.objects.order_by("pk").last()
            table = model._meta.db_table
            cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', [row.pk])
            before = cursor.fetchone()
            values = {field.attname: getattr(row, field.attname) for field in model._meta.fields}
            model.objects.filter(pk=row.pk).update(**values)
            cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', [row.pk])
            assert cursor.fetchone() == before, model


def test_pages_render_for_a_manager(generated, client):
    manager = User.objects.filter(role=Role.MANAGER).order_by("pk").first()
    client.force_login(manager)
    for url in (
        reverse("opportunities:opportunity_list"),
        reverse("forecasting:forecast"),
        reverse("forecasting:report_detail", args=["time-in-stage"]),
        reverse("forecasting:pipeline_on") + f"?date={timezone.localdate().isoformat()}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert Opportunity.objects.visible_to(manager).count() > SIZE // 10


def test_command_refuses_a_database_in_use(db):
    Account.objects.create(name="新城百货", owner=User.objects.create(username="wangfang"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="not empty"):
        call_command("generate", "--scale", "400", stdout=out)
    assert Opportunity.objects.count() == 0 and Account.objects.count() == 1
    with pytest.raises(GenerateError):
        generate(opportunities=SIZE)


def test_command_prints_the_plan_and_each_table(db):
    out = io.StringIO()
    call_command("generate", "--scale", "400", "--seed", "3", stdout=out)
    text = out.getvalue()
    assert "Generating 400 opportunities, 40 accounts, 100 contacts, 1,200 history rows" in text
    assert "opportunities.OpportunityChange: 1,200 rows" in text
    assert "Done in" in text and "demo1234" in text
    with pytest.raises(CommandError, match="Unknown scale"):
        call_command("generate", "--scale", "huge", stdout=out)


def test_a_failure_writes_nothing_and_keeps_the_indexes(db):
    indexes = index_names()

    def stop(line):
        if line.startswith("Account"):
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        generate(opportunities=SIZE, progress=stop)
    assert not User.objects.exists() and not Account.objects.exists()
    assert index_names() == indexes


def test_changed_fields_are_json_lists(generated):
    row = OpportunityChange.objects.exclude(previous_stage=None).first()
    assert isinstance(row.changed_fields, list)
    assert json.loads(json.dumps(row.changed_fields)) == row.changed_fields
