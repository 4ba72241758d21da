"""Monthly exchange rates for the generated years: a seeded random walk around today's rates."""

import bisect
import datetime
import random

# Roughly how many CNY one unit was worth in 2025; only the start of the walk.
CNY_PER_UNIT = {
    "CNY": 1.0,
    "USD": 7.15,
    "EUR": 7.75,
    "HKD": 0.915,
    "JPY": 0.048,
    "GBP": 9.05,
}
TRADED = ("CNY", "USD", "EUR")
SCALE = 10**10  # the rate column's ten decimal places


class Rates:
    """Rates of each traded currency to the base currency, valid from the 1st of each month."""

    def __init__(self, *, base: str, first_day: int, last_day: int, seed: int):
        if base not in CNY_PER_UNIT:
            raise ValueError(base)
        self.base = base
        rng = random.Random(f"{seed}:rates")
        start = datetime.date.fromordinal(first_day).replace(day=1)
        months = []
        day = start
        while day.toordinal() <= last_day:
            months.append(day.toordinal())
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        self.days = months
        self.series: dict[str, list[int]] = {}
        walk = {code: CNY_PER_UNIT[code] for code in CNY_PER_UNIT}
        values: dict[str, list[float]] = {code: [] for code in TRADED}
        for _month in months:
            for code in TRADED:
                if code != "CNY":
                    walk[code] *= 1 + rng.gauss(0, 0.012)
            for code in TRADED:
                values[code].append(walk[code] / walk[base] if base in walk else 0)
        for code in TRADED:
            if code != base:
                self.series[code] = [round(value * SCALE) for value in values[code]]

    def rows(self) -> list[tuple[str, int, int]]:
        """(currency, valid from, rate units) of every rate."""
        return [
            (code, day, units)
            for code, series in self.series.items()
            for day, units in zip(self.days, series, strict=True)
        ]

    def on(self, code: str, day: int) -> int:
        """The rate (units of 10⁻¹⁰) in force on `day`, as money.rate_on finds it."""
        if code == self.base:
            return SCALE
        index = bisect.bisect_right(self.days, day) - 1
        if index < 0:
            raise ValueError(day)
        return self.series[code][index]


def to_base_cents(cents: int, units: int) -> int:
    """money.to_base in integers: amount × rate, rounded half up to the cent."""
    return (cents * units + SCALE // 2) // SCALE
