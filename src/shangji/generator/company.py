"""The generated company's people and customers: teams, users, quotas, exchange rates,
accounts and contacts."""

import bisect
import datetime
import hashlib
import random
import unicodedata
from array import array
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.models import ExchangeRate
from shangji.forecasting.models import Quota
from shangji.forecasting.periods import PeriodKind, period_of
from shangji.users.choices import Role
from shangji.users.models import Organization, Team, User

from . import names
from .plan import DAY, Clock, Plan
from .writers import Writer

PASSWORD = "demo1234"
ORGANIZATION_NAME = "华信智联科技"
USER_DOMAIN = "huaxin-zhilian.example"
REGIONS = ["华东", "华北", "华南", "西南", "华中", "东北", "西北", "海外", "大客户", "渠道"]
NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

TEAM_FIELDS = ["id", "name", "manager", "created_at"]
USER_FIELDS = [
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
    "email", "is_staff", "is_active", "date_joined", "role", "team", "language", "time_zone",
    "calendar_token",
]  # fmt: skip
RATE_FIELDS = ["id", "currency", "valid_from", "rate", "created_at"]
QUOTA_FIELDS = [
    "id", "period_kind", "period_start", "user", "team", "amount", "updated_at", "updated_by",
]  # fmt: skip
ACCOUNT_FIELDS = [
    "id", "created_at", "updated_at", "created_by", "updated_by", "version", "name", "industry",
    "website", "phone", "email", "address", "employees", "annual_revenue", "parent",
    "description", "owner", "external_id",
]  # fmt: skip
CONTACT_FIELDS = [
    "id", "created_at", "updated_at", "created_by", "updated_by", "version", "first_name",
    "last_name", "title", "account", "email", "phone", "mobile", "description", "owner",
    "external_id",
]  # fmt: skip
ACCOUNT_CHUNK = 10_000


@dataclass
class Seller:
    """Someone who owns deals: a rep or a manager, in a team."""

    id: int
    team: int
    manager: int
    name: str
    email: str


@dataclass
class People:
    admin: int = 0
    executives: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    sellers: list[Seller] = field(default_factory=list)
    by_id: dict[int, Seller] = field(default_factory=dict)
    team_sellers: dict[int, list[int]] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)


@dataclass
class Directory:
    """What later steps need to know of every account and contact, in compact arrays."""

    created: array = field(default_factory=lambda: array("q"))
    owner: array = field(default_factory=lambda: array("l"))
    latin: bytearray = field(default_factory=bytearray)
    name: list[str] = field(default_factory=list)
    first_contact: array = field(default_factory=lambda: array("l"))
    contact_count: array = field(default_factory=lambda: array("b"))
    contact_address: list[str] = field(default_factory=list)  # "Name <e-mail>" or ""

    def eligible(self, second: int) -> int:
        """How many accounts existed at `second` (they are created in id order)."""
        return bisect.bisect_right(self.created, second)


def _person(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    family, family_pinyin = rng.choice(names.FAMILY_NAMES)
    given, given_pinyin = rng.choice(names.GIVEN_NAMES)
    base = f"{given_pinyin}{family_pinyin}"
    username, number = base, 1
    while username in used:
        number += 1
        username = f"{base}{number}"
    used.add(username)
    return family, given, username


def write_people(writer: Writer, plan: Plan, clock: Clock, seed: int) -> People:
    """Teams, users (every password demo1234), the organisation's name."""
    rng = random.Random(f"{seed}:people")
    fmt = writer.formats
    salt = hashlib.sha256(f"shangji-generate-{seed}".encode()).hexdigest()[:22]
    password = make_password(PASSWORD, salt=salt)
    joined = fmt.moment(clock.anchor - 1_000 * DAY)
    teams = []
    for index in range(plan.teams):
        region = REGIONS[index % len(REGIONS)]
        if plan.teams <= len(REGIONS):
            teams.append(f"{region}销售")
        else:
            teams.append(f"{region}销售{NUMBERS[index // len(REGIONS) % 10]}部")
    writer.write(Team, TEAM_FIELDS, [(i + 1, name, None, joined) for i, name in enumerate(teams)])

    people = People()
    outside = 2 if plan.users < 50 else 3
    used = {"admin"}
    rows = []
    team_managers: dict[int, int] = {}
    for index in range(plan.users):
        user_id = index + 1
        if index == 0:
            family, given, username, role, team = "", "管理员", "admin", Role.ADMIN, None
            people.admin = user_id
        else:
            family, given, username = _person(rng, used)
            if index < outside:
                role, team = Role.EXECUTIVE, None
                people.executives.append(user_id)
            elif index < outside + plan.teams:
                role, team = Role.MANAGER, index - outside + 1
                team_managers[team] = user_id
                people.managers.append(user_id)
            else:
                role, team = Role.REP, (index - outside - plan.teams) % plan.teams + 1
        email = f"{username}@{USER_DOMAIN}"
        is_admin = role == Role.ADMIN
        rows.append(
            (user_id, password, None, is_admin, username, given, family, email, is_admin, True)
            + (joined, role, team, "zh-hans", "Asia/Shanghai", None)
        )
        people.usernames[user_id] = username
        if team is not None:
            seller = Seller(user_id, team, team_managers.get(team, 0), f"{family}{given}", email)
            people.sellers.append(seller)
            people.by_id[user_id] = seller
            people.team_sellers.setdefault(team, []).append(user_id)
    writer.write(User, USER_FIELDS, rows)
    for team, manager in team_managers.items():
        Team.objects.filter(pk=team).update(manager_id=manager)
    Organization.objects.update_or_create(pk=1, defaults={"name": ORGANIZATION_NAME})
    return people


def write_rates(writer: Writer, rates, clock: Clock) -> int:
    fmt = writer.formats
    created = fmt.moment(clock.anchor - 1_000 * DAY)
    rows = [
        (index + 1, code, fmt.date(day), fmt.rate(units), created)
        for index, (code, day, units) in enumerate(rates.rows())
    ]
    return writer.write(ExchangeRate, RATE_FIELDS, rows)


def write_quotas(writer: Writer, plan: Plan, clock: Clock, people: People, first_day: int) -> int:
    """Quarterly quotas of every seller and team, from the first generated quarter to the next;
    about what the average seller wins in a quarter (in the base currency)."""
    fmt = writer.formats
    quarters_per_year = 4
    per_seller = plan.opportunities * 0.18 * 180_000 / (2.5 * quarters_per_year)
    per_seller = max(100_000, round(per_seller / max(1, len(people.sellers)), -4))
    today = datetime.date.fromordinal(clock.today)
    period = period_of(PeriodKind.QUARTER, datetime.date.fromordinal(first_day))
    last = period_of(PeriodKind.QUARTER, today).following()
    updated = fmt.moment(clock.anchor - 1_000 * DAY)
    rows = []
    while period.start <= last.start:
        start = fmt.date(period.start.toordinal())
        for team, members in people.team_sellers.items():
            for user_id in members:
                rows.append((len(rows) + 1, PeriodKind.QUARTER.value, start, user_id, None))
                rows[-1] += (fmt.money(int(per_seller * 100)), updated, people.admin)
            team_amount = int(per_seller * 100) * len(members)
            rows.append((len(rows) + 1, PeriodKind.QUARTER.value, start, None, team))
            rows[-1] += (fmt.money(team_amount), updated, people.admin)
        period = period.following()
    return writer.write(Quota, QUOTA_FIELDS, rows)


def _account_name(rng: random.Random, used: set[str]) -> tuple[str, str, str, bool]:
    """(name, industry, web domain, latin) of a new account; names repeat only by chance
    that a few retries do not get past (real CRMs have such twins too)."""
    for _attempt in range(6):
        if rng.random() < 0.22:
            place = rng.choice(names.LATIN_PLACES)
            word = rng.choice(names.LATIN_WORDS)
            industry_word, industry = rng.choice(names.LATIN_INDUSTRIES)
            name = " ".join(part for part in (place, word, industry_word) if part)
            name = f"{name} {rng.choice(names.LATIN_FORMS)}"
            domain = f"{(place + word).lower()}-{industry_word.lower()}.example"
            latin = True
        else:
            city, city_pinyin = rng.choice(names.CITIES)
            brand, brand_pinyin = rng.choice(names.BRANDS)
            word, word_pinyin, industry = rng.choice(names.INDUSTRIES_ZH)
            if rng.random() < 0.45:
                name = f"{brand}{word}"
            else:
                name = f"{city}{brand}{word}{rng.choice(names.LEGAL_FORMS_ZH)}"
            domain = f"{brand_pinyin}-{word_pinyin}-{city_pinyin}.example"
            latin = False
        if name not in used:
            break
    used.add(name)
    return name, industry, domain, latin


def write_accounts(
    writer: Writer, plan: Plan, clock: Clock, people: People, seed: int, first_second: int
) -> Directory:
    """Accounts in the order they were created (ids follow time), each with its contacts."""
    directory = Directory()
    fmt = writer.formats
    last_second = clock.anchor - 3 * DAY
    used: set[str] = set()
    contact_id = 0
    sellers = people.sellers
    weights = [1.0 if seller.manager != seller.id else 0.3 for seller in sellers]
    for chunk_start in range(0, plan.accounts, ACCOUNT_CHUNK):
        chunk_end = min(plan.accounts, chunk_start + ACCOUNT_CHUNK)
        rng = random.Random(f"{seed}:accounts:{chunk_start}")
        # Contacts of the chunk: the plan's exact share, 1–6 per account.
        quota = plan.contacts * chunk_end // plan.accounts - plan.contacts * chunk_start // (
            plan.accounts
        )
        counts = [
            rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6)) for _ in range(chunk_end - chunk_start)
        ]
        _fit(counts, quota, rng, low=1, high=12)
        accounts, contacts = [], []
        owners = rng.choices(sellers, weights=weights, k=chunk_end - chunk_start)
        for offset, index in enumerate(range(chunk_start, chunk_end)):
            account_id = index + 1
            created = first_second + (last_second - first_second) * index // plan.accounts
            created = max(created, clock.business(clock.day_of(created), rng.random()))
            owner = owners[offset]
            name, industry, domain, latin = _account_name(rng, used)
            if latin:
                phone = f"+{rng.choice((1, 31, 33, 39, 44, 46, 49))} {rng.randint(200, 999)} "
                phone += f"{rng.randint(100_000, 999_999)}"
                address = rng.choice(names.LATIN_CITIES)
            else:
                phone = f"0{rng.choice((10, 21, 571, 25, 512, 20, 755, 28))}-"
                phone += f"{rng.randint(5_000_0000, 8_999_9999)}"
                city = rng.choice(names.CITIES)[0]
                address = f"{city}市{rng.choice(names.STREETS_ZH)} {rng.randint(1, 999)} 号"
            employees = int(min(200_000, rng.lognormvariate(5.0, 1.4))) + 5
            revenue = employees * rng.randint(300_000, 1_500_000) * 100
            parent = None
            if index > 50 and rng.random() < 0.03:
                parent = rng.randrange(1, account_id)
            stamp = fmt.moment(created)
            accounts.append(
                (account_id, stamp, stamp, owner.id, owner.id, 1, name, industry)
                + (f"www.{domain}", phone, f"info@{domain}", address, employees)
                + (fmt.money(revenue), parent, "", owner.id, "")
            )
            directory.created.append(created)
            directory.owner.append(owner.id)
            directory.latin.append(latin)
            directory.name.append(name)
            directory.first_contact.append(contact_id + 1)
            directory.contact_count.append(counts[offset])
            local_parts: set[str] = set()
            for _number in range(counts[offset]):
                contact_id += 1
                if latin:
                    given, family = rng.choice(names.LATIN_GIVEN), rng.choice(names.LATIN_FAMILY)
                    local = ascii_part(f"{given}.{family}")
                    title = rng.choice(names.TITLES_EN)
                    shown = f"{given} {family}"
                    mobile = ""
                else:
                    family, family_pinyin = rng.choice(names.FAMILY_NAMES)
                    given, given_pinyin = rng.choice(names.GIVEN_NAMES)
                    local = f"{family_pinyin}{given_pinyin}"
                    title = rng.choice(names.TITLES_ZH)
                    shown = f"{family}{given}"
                    mobile = f"1{rng.choice((35, 36, 37, 38, 39, 58, 86))} "
                    mobile += f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
                while local in local_parts:
                    local += str(rng.randint(1, 9))
                local_parts.add(local)
                email = f"{local}@{domain}" if rng.random() < 0.9 else ""
                directory.contact_address.append(f"{shown} <{email}>" if email else "")
                moment = fmt.moment(created + rng.randint(60, 4 * 3600))
                contacts.append(
                    (contact_id, moment, moment, owner.id, owner.id, 1, given, family, title)
                    + (account_id, email, phone if rng.random() < 0.5 else "", mobile, "")
                    + (owner.id, "")
                )
        writer.write(Account, ACCOUNT_FIELDS, accounts)
        writer.write(Contact, CONTACT_FIELDS, contacts)
    return directory


def ascii_part(text: str) -> str:
    """An e-mail local part from a Latin name: Müller → muller, de Vries → devries."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def _fit(counts: list[int], total: int, rng: random.Random, *, low: int, high: int) -> None:
    """Nudge `counts` (each within [low, high]) until they add up to `total` exactly."""
    difference = total - sum(counts)
    size = len(counts)
    guard = 0
    while difference and guard < 50 * size + 1000:
        guard += 1
        index = rng.randrange(size)
        if difference > 0 and counts[index] < high:
            counts[index] += 1
            difference -= 1
        elif difference < 0 and counts[index] > low:
            counts[index] -= 1
            difference += 1
    if difference:
        raise ValueError("cannot fit counts")
