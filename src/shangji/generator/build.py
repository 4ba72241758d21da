"""The whole run: check the database is empty, then write the company a chunk at a time.

Not written (on purpose): change-feed events and webhook deliveries (a generated history is not
news to subscribers), task-queue rows for the reminders (the worker's reminder sweep delivers
every pending reminder when its time comes), leads, competitors, notifications and forecast
snapshots (`shangji forecast-snapshot --week` fills past weeks from the history rows).
"""

import datetime
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.activities.models import Activity, ActivityParticipant, EmailMessage, Reminder
from shangji.contacts.models import Contact
from shangji.core.models import Currency, ExchangeRate
from shangji.forecasting.models import Quota
from shangji.leads.models import Lead
from shangji.opportunities.models import (
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    Pipeline,
)
from shangji.users.models import Team, User

from . import company, deals
from .plan import DAY, Clock, Plan
from .rates import CNY_PER_UNIT, TRADED, Rates
from .writers import Writer

DEFAULT_SEED = 2026
# A table with any row here means the database is in use: the generator never touches it.
GUARDED = (User, Team, Account, Contact, Opportunity, Activity, Lead, ExchangeRate, Quota)
# Their plain indexes are dropped during the load and made again at the end (faster than
# keeping a dozen B-trees up to date row by row).
BIG_TABLES = (
    Account,
    Contact,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    Activity,
    ActivityParticipant,
    EmailMessage,
    Reminder,
)


class GenerateError(Exception):
    """The database or the settings do not allow generating (nothing was written)."""


def occupied_tables() -> list[str]:
    """The tables (verbose names) that already hold rows."""
    return [str(model._meta.verbose_name_plural) for model in GUARDED if model.objects.exists()]


@dataclass
class Result:
    plan: Plan
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    peak_rss_mb: float
    logins: dict[str, str]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    *,
    opportunities: int,
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> Result:
    """Fill an empty database with a generated company of `opportunities` deals."""
    from django.utils import timezone

    if opportunities < 100:
        raise GenerateError("too few opportunities")
    if occupied := occupied_tables():
        raise GenerateError(", ".join(occupied))
    base = settings.BASE_CURRENCY
    if base not in CNY_PER_UNIT:
        raise GenerateError(f"base currency {base}")
    missing = sorted(set(TRADED) - set(Currency.objects.values_list("code", flat=True)))
    if missing:
        raise GenerateError(f"currencies {', '.join(missing)}")
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        raise GenerateError("default pipeline")
    stages = deals.Stages(pipeline.pk, list(pipeline.stages.filter(is_active=True)))

    progress(_("Memory at the start: %(memory)s MB") % {"memory": f"{_peak_rss_mb():.0f}"})
    started = time.perf_counter()
    plan = Plan.of(opportunities)
    clock = Clock(today or timezone.localdate())
    first_day = clock.today - deals.HISTORY_DAYS - 200
    rates = Rates(base=base, first_day=first_day, last_day=clock.today, seed=seed)
    writer = Writer()
    writer.begin_bulk()
    try:
        # One transaction: all of it or nothing, and the indexes dropped for speed come back
        # with a rollback too (even if the process is killed: the database never saw them go).
        with transaction.atomic():
            dropped = writer.drop_foreign_keys(BIG_TABLES) + writer.drop_indexes(BIG_TABLES)
            people = company.write_people(writer, plan, clock, seed)
            company.write_rates(writer, rates, clock)
            company.write_quotas(writer, plan, clock, people, first_day + 200)
            progress(_("Users %(users)s, teams %(teams)s") % vars(plan))
            first_account = clock.anchor - (deals.HISTORY_DAYS + 120) * DAY
            directory = company.write_accounts(writer, plan, clock, people, seed, first_account)
            _report(progress, writer, ["accounts.Account", "contacts.Contact"], started)
            _write_deals(writer, plan, clock, rates, stages, people, directory, seed, progress)
            progress(_("Making %(count)s indexes and foreign keys again") % {"count": len(dropped)})
            writer.create_indexes(dropped)
            writer.finish()
            progress(_("Committing (%(seconds)s s)") % {"seconds": _seconds(started)})
    finally:
        writer.end_bulk()
    total = time.perf_counter() - started
    logins = {
        "admin": people.usernames[people.admin],
        "executive": people.usernames[people.executives[0]],
        "manager": people.usernames[people.managers[0]],
        "rep": people.usernames[people.team_sellers[1][1]],
    }
    return Result(plan, dict(writer.rows), dict(writer.seconds), total, _peak_rss_mb(), logins)


def _seconds(started: float) -> str:
    return f"{time.perf_counter() - started:.0f}"


def _report(progress, writer: Writer, labels: list[str], started: float) -> None:
    parts = [f"{label.split('.')[-1]} {writer.rows.get(label, 0):,}" for label in labels]
    progress(f"{', '.join(parts)} ({_seconds(started)} s)")


def _write_deals(writer, plan, clock, rates, stages, people, directory, seed, progress) -> None:
    """Opportunities in creation order, CHUNK at a time, each chunk in one transaction."""
    total = plan.opportunities
    chunks = [(start, min(total, start + deals.CHUNK)) for start in range(0, total, deals.CHUNK)]

    def skeletons_of(number: int, start: int, end: int):
        rng = random.Random(f"{seed}:skeleton:{number}")
        return [deals.skeleton(rng, index, total, clock) for index in range(start, end)]

    # A counting pass: each chunk's open deals and activity weight, to share the exact totals.
    open_counts, weights = [], []
    for number, (start, end) in enumerate(chunks):
        skeletons = skeletons_of(number, start, end)
        open_counts.append(sum(not sk.closed for sk in skeletons))
        weights.append(sum(sk.weight for sk in skeletons))
    other_total = int((plan.activities - plan.open_tasks) * deals.OTHER_SHARE)
    on_deals = deals.apportion(plan.activities - plan.open_tasks - other_total, weights)
    tasks = deals.apportion(plan.open_tasks, [float(count) for count in open_counts])
    other = deals.apportion(other_total, [float(end - start) for start, end in chunks])

    builder = deals.ChunkWriter(
        writer=writer,
        clock=clock,
        rates=rates,
        stages=stages,
        people=people,
        directory=directory,
        ids=deals.Ids(),
        seed=seed,
    )
    started = time.perf_counter()
    labels = [
        "opportunities.Opportunity",
        "opportunities.OpportunityChange",
        "activities.Activity",
        "activities.Reminder",
    ]
    for number, (start, end) in enumerate(chunks):
        counts = {
            "history": plan.history * end // total - plan.history * start // total,
            "activities": on_deals[number],
            "open_tasks": tasks[number],
            "other": other[number],
        }
        builder.write(number, start, skeletons_of(number, start, end), counts)
        if number % 20 == 19 or end == total:
            rows = sum(writer.rows.values())
            elapsed = time.perf_counter() - started
            _report(progress, writer, labels, started)
            rate = f"{rows / max(elapsed, 1e-6):,.0f}"
            progress(
                _("  %(rows)s rows so far, %(rate)s rows/s") % {"rows": f"{rows:,}", "rate": rate}
            )
