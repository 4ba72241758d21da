"""How many rows each scale holds, and the clock every generated time is taken from."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

# The named scales; the number is the count of opportunities, everything else follows it.
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

DAY = 86_400
EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Plan:
    """The exact row counts of one generated company (all linear in the opportunities)."""

    opportunities: int
    users: int
    teams: int
    accounts: int
    contacts: int
    history: int
    activities: int
    open_tasks: int

    @classmethod
    def of(cls, opportunities: int) -> "Plan":
        # 1m: 200 users in 20 teams, 100,000 accounts, 250,000 contacts, 3,000,000 history
        # rows, 5,000,000 activities of which 300,000 open tasks; never fewer than 8 users in
        # 2 teams, so that small scales still have managers with reps.
        users = max(8, opportunities // 5_000)
        return cls(
            opportunities=opportunities,
            users=users,
            teams=max(2, users // 10),
            accounts=max(1, opportunities // 10),
            contacts=max(1, opportunities * 25 // 100),
            history=opportunities * 3,
            activities=opportunities * 5,
            open_tasks=opportunities * 3 // 10,
        )


def scale_opportunities(scale: str) -> int:
    """The opportunities of a named scale ("10k", "100k", "1m") or a plain number ("2500")."""
    key = scale.strip().lower()
    if key in SCALES:
        return SCALES[key]
    if key.endswith("k") and key[:-1].isdigit():
        return int(key[:-1]) * 1_000
    if key.isdigit():
        return int(key)
    raise ValueError(scale)


class Clock:
    """Generated times as whole UTC seconds; days as proordinals of the server's local dates.

    Everything is anchored at the start of `today` in the server's time zone: what happened is
    before it, what is planned (open tasks and their reminders) is after the end of it.
    """

    def __init__(self, today: datetime.date):
        self.zone = timezone.get_default_timezone()
        if not isinstance(self.zone, zoneinfo.ZoneInfo):  # pragma: no cover - settings say so
            self.zone = zoneinfo.ZoneInfo(str(self.zone))
        self.today = today.toordinal()
        self._midnights: dict[int, int] = {}
        self._offsets: dict[int, int] = {}
        self.anchor = self.midnight(self.today)

    def midnight(self, day: int) -> int:
        """The UTC second at which local day `day` begins."""
        value = self._midnights.get(day)
        if value is None:
            moment = datetime.datetime.combine(
                datetime.date.fromordinal(day), datetime.time(), self.zone
            )
            value = self._midnights[day] = int(moment.timestamp())
        return value

    def day_of(self, second: int) -> int:
        """The local day of a UTC second (zone offsets change on the hour, if ever)."""
        hour = second // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            moment = datetime.datetime.fromtimestamp(hour * 3600, self.zone)
            offset = self._offsets[hour] = int(moment.utcoffset().total_seconds())
        return (second + offset) // DAY + EPOCH_DAY

    def business(self, day: int, fraction: float) -> int:
        """A moment of local office hours (09:00–18:30) of `day`; `fraction` picks when."""
        return self.midnight(day) + 9 * 3600 + int(fraction * 34_200)
