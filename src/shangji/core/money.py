"""Money: Decimal amounts in a currency, converted to the base currency by dated rates."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from .models import Currency, ExchangeRate

CENT = Decimal("0.01")


def base_currency_code() -> str:
    return settings.BASE_CURRENCY


_rates_cache: ContextVar[dict | None] = ContextVar("rates_cache", default=None)


@contextmanager
def rates_cached() -> Iterator[None]:
    """Inside the block rate_on answers a repeated question from memory (bulk imports)."""
    token = _rates_cache.set({})
    try:
        yield
    finally:
        _rates_cache.reset(token)


def rate_on(currency: Currency | str, day: datetime.date) -> Decimal | None:
    """The rate in force on `day` (the newest one not after it); 1 for the base currency."""
    code = currency if isinstance(currency, str) else currency.code
    if code == base_currency_code():
        return Decimal(1)
    cache = _rates_cache.get()
    if cache is not None and (code, day) in cache:
        return cache[code, day]
    rate = (
        ExchangeRate.objects.filter(currency_id=code, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if cache is not None:
        cache[code, day] = rate
    return rate


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def conversion_day(close_date: datetime.date, today: datetime.date) -> datetime.date:
    """Deals convert at the rate of their close date once it has passed, else today's."""
    return min(close_date, today)
