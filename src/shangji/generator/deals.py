"""Opportunities with their history, contact roles and activities, a chunk at a time.

Each opportunity is simulated the way the services would have written it: created at one stage,
moved forward (sometimes skipping stages), its close date pushed and its amount edited, then
won or lost near its close date, or still open today. Every write that changes a tracked field
appends the OpportunityChange row `_record_change` would, with the values before; the base
amount is converted at the rate `enforce_rules` would use (the close date's, or the write day's
while the close date is ahead) and only when the amount or close date changes; `version` counts
every write, `updated_at`/`updated_by` are the last one's, `closed_at` the closing move's.
"""

import json
import math
import random
from dataclasses import dataclass

from shangji.activities.models import (
    Activity,
    ActivityParticipant,
    EmailMessage,
    Reminder,
)
from shangji.opportunities.choices import ContactRole, LeadSource, StageKind
from shangji.opportunities.models import TRACKED_FIELDS, Opportunity, OpportunityChange
from shangji.opportunities.models import OpportunityContact as Role

from . import names
from .company import USER_DOMAIN
from .plan import DAY
from .rates import to_base_cents

CHUNK = 5_000
GROWTH = 0.8  # a company growing: the last day sees 1.8× the deals of the first
HISTORY_DAYS = 900  # the first deal was created this many days before today
OTHER_SHARE = 0.12  # activities on an account or contact alone, not on an opportunity

OPPORTUNITY_FIELDS = [
    "id", "created_at", "updated_at", "created_by", "updated_by", "version", "name", "account",
    "amount", "currency", "exchange_rate", "amount_base", "close_date", "pipeline", "stage",
    "probability", "forecast_category", "forecast_category_overridden", "type", "lead_source",
    "next_step", "priority", "campaign", "description", "owner", "closed_at", "lost_reason",
    "external_id",
]  # fmt: skip
CHANGE_FIELDS = [
    "id", "opportunity", "changed_at", "actor", "changed_fields", "stage", "previous_stage",
    "amount", "previous_amount", "currency", "previous_currency", "amount_base",
    "previous_amount_base", "probability", "previous_probability", "close_date",
    "previous_close_date", "owner", "previous_owner", "forecast_category",
    "previous_forecast_category",
]  # fmt: skip
ROLE_FIELDS = ["id", "opportunity", "contact", "role", "created_at"]
ACTIVITY_FIELDS = [
    "id", "created_at", "updated_at", "created_by", "updated_by", "version", "kind", "subject",
    "body", "minutes", "status", "direction", "priority", "starts_at", "ends_at",
    "duration_minutes", "location", "completed_at", "occurred_at", "owner", "opportunity",
    "account", "contact", "lead",
]  # fmt: skip
EMAIL_FIELDS = [
    "id", "activity", "message_id", "in_reply_to", "from_address", "to_addresses",
    "cc_addresses", "body_html",
]  # fmt: skip
PARTICIPANT_FIELDS = ["id", "activity", "user", "contact"]
REMINDER_FIELDS = [
    "id", "activity", "recipient", "minutes_before", "remind_at", "status", "claimed_at",
    "sent_at", "email_sent_at", "last_error",
]  # fmt: skip
ALL_CHANGED = json.dumps(list(TRACKED_FIELDS))

LEAD_SOURCES = [
    (LeadSource.EXISTING_CUSTOMER, 22), (LeadSource.WEB_SITE, 16), (LeadSource.PARTNER, 12),
    (LeadSource.TRADE_SHOW, 10), (LeadSource.COLD_CALL, 9), (LeadSource.WORD_OF_MOUTH, 8),
    (LeadSource.EMAIL, 6), (LeadSource.CAMPAIGN, 6), (LeadSource.CONFERENCE, 4),
    (LeadSource.SELF_GENERATED, 3), (LeadSource.PUBLIC_RELATIONS, 2), (LeadSource.EMPLOYEE, 1),
    (LeadSource.DIRECT_MAIL, 1),
]  # fmt: skip
OTHER_ROLES = [str(role) for role in ContactRole if role != ContactRole.PRIMARY_DECISION_MAKER]


def weighted(*pairs) -> tuple:
    """A table to `pick` from in which each value appears as often as its weight."""
    return tuple(value for value, weight in pairs for _copy in range(weight))


def pick(rng: random.Random, table):
    """rng.choice without its overhead (this runs tens of millions of times at 1m)."""
    return table[int(rng.random() * len(table))]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint without its overhead."""
    return low + int(rng.random() * (high - low + 1))


SOURCES = weighted(*((str(value), weight) for value, weight in LEAD_SOURCES))
KINDS = weighted(("call", 36), ("meeting", 12), ("email", 15), ("note", 17), ("task", 20))
WON_STEPS_BACK = weighted((2, 1), (1, 3), (0, 6))
EXTRA_CHANGES = weighted((0, 60), (1, 28), (2, 9), (3, 3))
LATIN_CURRENCIES = weighted(("USD", 11), ("EUR", 7), ("CNY", 2))
CHINESE_CURRENCIES = weighted(("CNY", 17), ("USD", 2), ("EUR", 1))
PRIORITIES = weighted(("High", 4), ("Medium", 9), ("Low", 4), ("", 3))
CONTACTS_PER_DEAL = weighted((0, 4), (1, 25), (2, 15), (3, 6))
OPEN_TASK_STATUSES = weighted(("not_started", 14), ("in_progress", 5), ("pending_input", 1))


@dataclass
class StageRow:
    id: int
    probability: int
    category: str


class Stages:
    """The default pipeline: its open stages in order, the won and the lost stage."""

    def __init__(self, pipeline_id: int, stages):
        self.pipeline = pipeline_id
        self.open = [
            StageRow(s.pk, s.probability, s.forecast_category)
            for s in stages
            if s.kind == StageKind.OPEN
        ]
        self.won = next(
            StageRow(s.pk, s.probability, s.forecast_category)
            for s in stages
            if s.kind == StageKind.WON
        )
        self.lost = next(
            StageRow(s.pk, s.probability, s.forecast_category)
            for s in stages
            if s.kind == StageKind.LOST
        )


@dataclass
class Skeleton:
    """What is decided before the details, the same in the counting pass and the writing one."""

    created: int
    created_day: int
    planned: int  # the close date expected at creation (a day)
    closed: bool
    won: bool
    weight: float


def skeleton(rng: random.Random, index: int, total: int, clock) -> Skeleton:
    first = clock.anchor - HISTORY_DAYS * DAY
    span = clock.anchor - first - 3600
    fraction = (index + rng.random()) / total
    position = (-1 + math.sqrt(1 + 2 * GROWTH * fraction * (1 + GROWTH / 2))) / GROWTH
    created = first + int(position * span)
    created_day = clock.day_of(created)
    length = int(min(400, max(10, rng.lognormvariate(math.log(70), 0.6))))
    planned = created_day + length
    chance = rng.random()
    if planned < clock.today:
        closed = chance < (0.6 if planned > clock.today - 45 else 0.97)
    else:
        closed = chance < 0.03
    if created_day + 1 > clock.today - 1:
        closed = False
    won = rng.random() < 0.3
    active = (min(planned, clock.today) if closed else clock.today) - created_day
    weight = 1 + min(max(active, 0), 365) / 20
    return Skeleton(created, created_day, planned, closed, won, weight)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, exactly (largest remainders)."""
    whole = sum(weights)
    if total == 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Ids:
    """The next id of each table (ids are given, the tables start empty)."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def next(self, name: str) -> int:
        value = self.values.get(name, 0) + 1
        self.values[name] = value
        return value


@dataclass
class Shape:
    """How an opportunity's history goes: the first and last open stage, the stages visited
    in between, and how many other changes (close-date pushes, amount edits)."""

    start: int
    reached: int
    visits: list[int]
    extras: int
    closed: bool

    @property
    def rows(self) -> int:
        return 1 + len(self.visits) + self.extras + self.closed


class ChunkWriter:
    """Builds and writes the rows of one chunk of opportunities."""

    def __init__(self, *, writer, clock, rates, stages, people, directory, ids, seed):
        self.writer, self.clock, self.rates, self.stages = writer, clock, rates, stages
        self.people, self.directory, self.ids, self.seed = people, directory, ids, seed
        self.fmt = writer.formats
        self.sellers = people.sellers

    # The shape of each history, fitted to the chunk's exact number of rows ----------------------

    def _shape(self, rng: random.Random, sk: Skeleton) -> Shape:
        last = len(self.stages.open) - 1
        if not sk.closed:
            span = max(1, (self.clock.midnight(sk.planned) - sk.created))
            progress = min(1.0, (self.clock.anchor - sk.created) / span)
            reached = int(progress * 6 + rng.uniform(-2.5, 1.5))
        elif sk.won:
            reached = last - pick(rng, WON_STEPS_BACK)
        else:
            reached = int(rng.expovariate(0.4))
        reached = max(0, min(last, reached))
        start = 0 if rng.random() < 0.8 else between(rng, 0, min(2, reached))
        visits = [stage for stage in range(start + 1, reached) if rng.random() < 0.2]
        if reached > start:
            visits.append(reached)
        extras = pick(rng, EXTRA_CHANGES)
        return Shape(start, reached, visits, extras, sk.closed)

    @staticmethod
    def _fit(shapes: list[Shape], target: int, rng: random.Random) -> None:
        """Add or drop close-date pushes and amount edits, then skipped stages, until the
        chunk has exactly `target` history rows."""
        difference = target - sum(shape.rows for shape in shapes)
        size = len(shapes)
        tries = 0
        while difference and tries < 100 * size:
            tries += 1
            shape = shapes[int(rng.random() * size)]
            if difference > 0:
                if shape.extras < 6:
                    shape.extras += 1
                    difference -= 1
            elif shape.extras:
                shape.extras -= 1
                difference += 1
            elif len(shape.visits) > 1:
                shape.visits.pop(int(rng.random() * (len(shape.visits) - 1)))
                difference += 1
            elif shape.visits and not shape.closed:
                shape.visits.clear()
                shape.start = shape.reached
                difference += 1
        if difference:
            raise ValueError("cannot fit the history rows")

    # Writing --------------------------------------------------------------------------------

    def write(self, chunk: int, first_index: int, skeletons, plan_rows: dict) -> dict:
        """Write the chunk; `plan_rows` holds its exact history, activity and task counts."""
        rng = random.Random(f"{self.seed}:deals:{chunk}")
        shapes = [self._shape(rng, sk) for sk in skeletons]
        self._fit(shapes, plan_rows["history"], rng)
        out = {
            "opportunities": [],
            "history": [],
            "roles": [],
            "activities": [],
            "emails": [],
            "participants": [],
            "reminders": [],
        }
        deals = []
        for offset, (sk, shape) in enumerate(zip(skeletons, shapes, strict=True)):
            deals.append(self._opportunity(rng, first_index + offset + 1, sk, shape, out))
        counts = apportion(plan_rows["activities"], [sk.weight for sk in skeletons])
        for deal, count in zip(deals, counts, strict=True):
            for _number in range(count):
                self._activity_on_deal(rng, deal, out)
        open_deals = [deal for deal in deals if not deal["closed"]]
        for _number in range(plan_rows["open_tasks"]):
            self._open_task(rng, pick(rng, open_deals), out)
        window = (skeletons[0].created, skeletons[-1].created + 30 * DAY)
        for _number in range(plan_rows["other"]):
            self._activity_elsewhere(rng, window, out)
        writer = self.writer
        writer.write(Opportunity, OPPORTUNITY_FIELDS, out["opportunities"])
        writer.write(Role, ROLE_FIELDS, out["roles"])
        writer.write(OpportunityChange, CHANGE_FIELDS, out["history"])
        writer.write(Activity, ACTIVITY_FIELDS, out["activities"])
        writer.write(EmailMessage, EMAIL_FIELDS, out["emails"])
        writer.write(ActivityParticipant, PARTICIPANT_FIELDS, out["participants"])
        writer.write(Reminder, REMINDER_FIELDS, out["reminders"])
        return {name: len(rows) for name, rows in out.items()}

    def _rate(self, currency: str, close_day: int, write_second: int) -> int:
        # enforce_rules: the close date's rate once it has passed, else the write day's.
        return self.rates.on(currency, min(close_day, self.clock.day_of(write_second)))

    def _moments(self, rng: random.Random, count: int, start: int, end: int) -> list[int]:
        """`count` increasing moments strictly between start and end, in office hours when
        that fits."""
        clock = self.clock
        moments = []
        for _number in range(count):
            moment = between(rng, start + 60, max(start + 61, end - 60))
            office = clock.business(clock.day_of(moment), rng.random())
            moments.append(office if start < office < end else moment)
        moments.sort()
        for index in range(1, len(moments)):
            if moments[index] <= moments[index - 1]:
                moments[index] = moments[index - 1] + 1
        return moments

    def _opportunity(self, rng, opportunity_id, sk: Skeleton, shape: Shape, out) -> dict:
        clock, fmt, stages, directory = self.clock, self.fmt, self.stages, self.directory
        eligible = directory.eligible(sk.created)
        draw = rng.random()
        if draw < 0.5:
            account = int(rng.random() * eligible)
        elif draw < 0.8:
            account = int(rng.random() * ((eligible + 19) // 20)) * 20
        else:
            account = eligible - 1 - int(rng.random() * max(1, eligible // 10))
        latin = directory.latin[account]
        owner = directory.owner[account]
        if rng.random() < 0.2:
            owner = pick(rng, self.people.team_sellers[self.people.by_id[owner].team])
        currency = pick(rng, LATIN_CURRENCIES if latin else CHINESE_CURRENCIES)
        if currency == "CNY":
            unit = 100_000  # 1,000.00
            amount = max(5_000_00, min(20_000_000_00, int(rng.lognormvariate(11.9, 1.0)) * 100))
        else:
            unit = 10_000
            amount = max(1_000_00, min(3_000_000_00, int(rng.lognormvariate(10.1, 1.0)) * 100))
        amount = max(unit, amount // unit * unit)

        # The history, forward from the creation.
        if sk.closed:
            close_day = sk.planned + (0 if rng.random() < 0.5 else between(rng, 1, 60))
            close_day = max(sk.created_day + 1, min(close_day, clock.today - 1))
            end = clock.business(close_day, rng.random())
        else:
            end = clock.anchor - 600
        slots = ["stage"] * len(shape.visits) + ["other"] * shape.extras
        rng.shuffle(slots)
        moments = self._moments(rng, len(slots), sk.created, end)
        visits = iter(shape.visits)
        stage = stages.open[shape.start]
        close_date = sk.planned
        rate = self._rate(currency, close_date, sk.created)
        base = to_base_cents(amount, rate)
        rows = out["history"]
        money = fmt.money
        state = (stage, amount, base, close_date)
        rows.append(
            (self.ids.next("history"), opportunity_id, fmt.moment(sk.created), owner, ALL_CHANGED)
            + (stage.id, None, money(amount), None, currency, None, money(base), None)
            + (stage.probability, None, fmt.date(close_date), None, owner, None, stage.category)
            + ("",)
        )
        changes = list(zip(slots, moments, strict=True))
        if sk.closed:
            changes.append(("close", end))
        for kind, moment in changes:
            previous = state
            if kind == "stage":
                stage = stages.open[next(visits)]
            elif kind == "close":
                stage = stages.won if sk.won else stages.lost
                if close_day != close_date:
                    close_date = close_day
                    rate = self._rate(currency, close_date, moment)
                    base = to_base_cents(amount, rate)
            elif rng.random() < 0.7:
                close_date = max(close_date, clock.day_of(moment) + 1) + between(rng, 7, 45)
                rate = self._rate(currency, close_date, moment)
                base = to_base_cents(amount, rate)
            else:
                new = max(unit, int(amount * rng.uniform(0.75, 1.3)) // unit * unit)
                amount = new if new != amount else amount + unit
                rate = self._rate(currency, close_date, moment)
                base = to_base_cents(amount, rate)
            state = (stage, amount, base, close_date)
            before_stage, before_amount, before_base, before_close = previous
            changed = []
            if stage is not before_stage:
                changed.append("stage")
            if amount != before_amount:
                changed.append("amount")
            if base != before_base:
                changed.append("amount_base")
            if stage.probability != before_stage.probability:
                changed.append("probability")
            if close_date != before_close:
                changed.append("close_date")
            if stage.category != before_stage.category:
                changed.append("forecast_category")
            rows.append(
                (self.ids.next("history"), opportunity_id, fmt.moment(moment), owner)
                + (json.dumps(changed), stage.id, before_stage.id, money(amount))
                + (money(before_amount), currency, currency, money(base), money(before_base))
                + (stage.probability, before_stage.probability, fmt.date(close_date))
                + (fmt.date(before_close), owner, owner, stage.category, before_stage.category)
            )
        # Edits of fields the history does not track (next step, description…) bump the version.
        edits = pick(rng, (0, 0, 1, 2))
        updated = moments[-1] if moments else sk.created
        if sk.closed:
            updated = end
        for _number in range(edits):
            updated = max(updated, between(rng, sk.created + 60, max(sk.created + 61, end)))
        won_or_lost = sk.closed
        name_words = names.PROJECTS_EN if latin else names.PROJECTS_ZH
        steps = names.NEXT_STEPS_EN if latin else names.NEXT_STEPS_ZH
        next_step = pick(rng, steps) if rng.random() < (0.3 if won_or_lost else 0.85) else ""
        lost_reason = ""
        if sk.closed and not sk.won:
            lost_reason = pick(rng, names.LOST_REASONS_EN if latin else names.LOST_REASONS_ZH)
        out["opportunities"].append(
            (opportunity_id, fmt.moment(sk.created), fmt.moment(updated), owner, owner)
            + (len(changes) + 1 + edits, f"{directory.name[account]} {pick(rng, name_words)}")
            + (account + 1, money(amount), currency, fmt.rate(rate), money(base))
            + (fmt.date(close_date), stages.pipeline, stage.id, stage.probability)
            + (stage.category, False, pick(rng, ("New Business", "Existing Business")))
            + (pick(rng, SOURCES), next_step)
            + (pick(rng, PRIORITIES),)
            + (pick(rng, names.CAMPAIGNS) if rng.random() < 0.15 else "", "", owner)
            + (fmt.moment(end) if sk.closed else None, lost_reason, "")
        )
        # Contact roles, added with the opportunity.
        first = directory.first_contact[account]
        available = directory.contact_count[account]
        wanted = min(available, pick(rng, CONTACTS_PER_DEAL))
        contacts = [first + offset for offset in rng.sample(range(available), wanted)]
        created = fmt.moment(sk.created)
        for position, contact in enumerate(contacts):
            if position == 0 and rng.random() < 0.8:
                role = ContactRole.PRIMARY_DECISION_MAKER.value
            else:
                role = pick(rng, OTHER_ROLES)
            out["roles"].append((self.ids.next("roles"), opportunity_id, contact, role, created))
        return {
            "id": opportunity_id,
            "account": account,
            "owner": owner,
            "latin": latin,
            "contacts": contacts,
            "created": sk.created,
            "end": end if sk.closed else clock.anchor - 600,
            "closed": sk.closed,
        }

    # Activities -------------------------------------------------------------------------------

    def _activity_on_deal(self, rng, deal, out) -> None:
        kind = pick(rng, KINDS)
        contact = None
        if deal["contacts"] and (kind == "email" or rng.random() < 0.6):
            contact = pick(rng, deal["contacts"])
        if not deal["closed"] and kind in ("call", "meeting") and rng.random() < 0.15:
            self._planned(rng, kind, deal, contact, out)
            return
        moment = self._moments(rng, 1, deal["created"], deal["end"])[0]
        self._past(rng, kind, moment, deal["created"], deal, contact, out)
        if kind == "meeting":
            self._attendees(rng, deal["owner"], deal["contacts"], contact, out)

    def _activity_elsewhere(self, rng, window, out) -> None:
        clock, directory = self.clock, self.directory
        moment = between(rng, window[0], min(clock.anchor - 600, window[1]))
        account = rng.randrange(max(1, directory.eligible(moment - 3600)))
        contact = None
        kind = pick(rng, KINDS)
        if (kind == "email" or rng.random() < 0.5) and directory.contact_count[account]:
            contact = directory.first_contact[account] + int(
                rng.random() * directory.contact_count[account]
            )
        floor = directory.created[account] + 5 * 3600
        moment = max(moment, floor)
        owner = directory.owner[account]
        place = {"id": None, "owner": owner, "account": account}
        self._past(rng, kind, moment, floor, place, contact, out)
        if kind == "meeting":
            self._attendees(rng, owner, [contact] if contact else [], contact, out)

    def _texts(self, rng, kind: str, latin: bool):
        if kind == "call":
            return pick(rng, names.CALLS_EN if latin else names.CALLS_ZH)
        if kind == "note":
            return pick(rng, names.NOTES_EN if latin else names.NOTES_ZH)
        if kind == "email":
            return pick(rng, names.EMAILS_EN if latin else names.EMAILS_ZH)
        if kind == "meeting":
            subject, _place = pick(rng, names.MEETINGS_EN if latin else names.MEETINGS_ZH)
            return subject, ""
        return pick(rng, names.TASKS_EN if latin else names.TASKS_ZH), ""

    def _past(self, rng, kind, moment, floor, place, contact, out) -> None:
        """A call, meeting, e-mail, note or task of the past on `place` (a deal, or an account
        alone), as activity_create and activity_update (or the e-mail log) leave it; never
        created before `floor`."""
        fmt = self.fmt
        owner, opportunity, account = place["owner"], place["id"], place["account"]
        latin = self.directory.latin[account]
        subject, body = self._texts(rng, kind, latin)
        activity_id = self.ids.next("activities")
        created = updated = moment
        version = 1
        status = direction = priority = location = minutes = ""
        starts = ends = duration = completed = None
        occurred = moment
        if kind == "call":
            status = "held" if rng.random() < 0.88 else "not_held"
            direction = "outbound" if rng.random() < 0.75 else "inbound"
            duration = pick(rng, (5, 10, 15, 15, 20, 30, 45))
            starts, ends = moment, moment + duration * 60
            created = updated = completed = ends + between(rng, 60, 3600)
        elif kind == "meeting":
            duration = pick(rng, (30, 60, 60, 90, 120))
            starts, ends = moment, moment + duration * 60
            location = pick(rng, names.MEETINGS_EN if latin else names.MEETINGS_ZH)[1]
            # Scheduled ahead, then marked held with minutes afterwards.
            created = moment - between(rng, 3600, 7 * DAY)
            updated = completed = ends + between(rng, 600, 20 * 3600)
            status = "held" if rng.random() < 0.93 else "not_held"
            minutes = body
            body = ""
            version = 2
        elif kind == "task":
            priority = pick(rng, ("high", "medium", "medium", "low"))
            starts = moment
            created = moment - between(rng, 3600, 10 * DAY)
            updated = completed = moment + between(rng, 600, DAY)
            completed = updated = max(updated, created + 60)
            status = "completed"
            version = 2
        elif kind == "email":
            direction = "outbound" if rng.random() < 0.6 else "inbound"
            starts = moment
        updated = min(updated, self.clock.anchor - 1)
        completed = min(completed, updated) if completed is not None else None
        created = max(floor, min(created, updated))
        out["activities"].append(
            (activity_id, fmt.moment(created), fmt.moment(updated), owner, owner, version)
            + (kind, subject, body, minutes, status, direction, priority, fmt.moment(starts))
            + (fmt.moment(ends), duration, location, fmt.moment(completed), fmt.moment(occurred))
            + (owner, opportunity, account + 1, contact, None)
        )
        if kind == "email":
            self._email(rng, activity_id, owner, contact, direction, out)

    def _email(self, rng, activity_id, owner, contact, direction, out) -> None:
        seller = self.people.by_id[owner]
        ours = f"{seller.name} <{seller.email}>"
        theirs = self.directory.contact_address[contact - 1] if contact else ""
        sender, to = (ours, theirs) if direction == "outbound" else (theirs or ours, ours)
        out["emails"].append(
            (self.ids.next("emails"), activity_id, f"<gen-{activity_id}@{USER_DOMAIN}>", "")
            + (sender, to, "", "")
        )
        if theirs:
            out["participants"].append((self.ids.next("participants"), activity_id, None, contact))

    def _attendees(self, rng, owner, contacts, contact, out) -> None:
        activity_id = self.ids.values["activities"]
        invited = {contact} if contact else set()
        if contacts and rng.random() < 0.5:
            invited.add(pick(rng, contacts))
        for person in sorted(invited):
            out["participants"].append((self.ids.next("participants"), activity_id, None, person))
        manager = self.people.by_id[owner].manager
        if manager and manager != owner and rng.random() < 0.2:
            out["participants"].append((self.ids.next("participants"), activity_id, manager, None))

    def _planned(self, rng, kind, deal, contact, out) -> None:
        """A call or meeting planned in the next three weeks (no reminder asked for)."""
        clock, fmt = self.clock, self.fmt
        latin = deal["latin"]
        subject, _body = self._texts(rng, kind, latin)
        starts = clock.business(clock.today + between(rng, 1, 21), rng.random())
        created = between(rng, max(deal["created"], clock.anchor - 14 * DAY), clock.anchor - 60)
        duration = pick(rng, (15, 30)) if kind == "call" else pick(rng, (30, 60, 90))
        location = ""
        if kind == "meeting":
            location = pick(rng, names.MEETINGS_EN if latin else names.MEETINGS_ZH)[1]
        direction = "outbound" if kind == "call" else ""
        activity_id = self.ids.next("activities")
        owner = deal["owner"]
        out["activities"].append(
            (activity_id, fmt.moment(created), fmt.moment(created), owner, owner, 1, kind)
            + (subject, "", "", "planned", direction, "", fmt.moment(starts))
            + (fmt.moment(starts + duration * 60), duration, location, None, fmt.moment(starts))
            + (owner, deal["id"], deal["account"] + 1, contact, None)
        )
        if kind == "meeting":
            self._attendees(rng, owner, deal["contacts"], contact, out)

    def _open_task(self, rng, deal, out) -> None:
        """An unfinished task due ahead, with its pending reminder (as reminders_sync makes)."""
        clock, fmt = self.clock, self.fmt
        due_day = clock.today + between(rng, 1, 45)
        due = clock.business(due_day, rng.random())
        minutes = 1440 if due_day >= clock.today + 2 and rng.random() < 0.6 else 60
        created = between(rng, max(deal["created"], clock.anchor - 20 * DAY), clock.anchor - 60)
        subject = pick(rng, names.TASKS_EN if deal["latin"] else names.TASKS_ZH)
        status = pick(rng, OPEN_TASK_STATUSES)
        priority = pick(rng, ("high", "medium", "medium", "low"))
        activity_id = self.ids.next("activities")
        owner = deal["owner"]
        contact = pick(rng, deal["contacts"]) if deal["contacts"] and rng.random() < 0.4 else None
        out["activities"].append(
            (activity_id, fmt.moment(created), fmt.moment(created), owner, owner, 1, "task")
            + (subject, "", "", status, "", priority, fmt.moment(due), None, None, "", None)
            + (fmt.moment(due), owner, deal["id"], deal["account"] + 1, contact, None)
        )
        out["reminders"].append(
            (self.ids.next("reminders"), activity_id, owner, minutes)
            + (fmt.moment(due - minutes * 60), "pending", None, None, None, "")
        )
