"""Reading one cell: text, numbers and dates as spreadsheets and other CRMs write them.

Numbers: `1234.56`, `1,234.56` and `1 234.56` with the decimal point convention; `1234,56`,
`1.234,56` and `1 234,56` with the decimal comma convention. A currency sign or code before or
after (¥ ￥ $ € £ 元, CNY RMB USD EUR HKD GBP JPY, US$ HK$), a trailing 万 (×10,000) or 亿
(×100,000,000), full-width digits and a trailing % are accepted; anything else is refused with
the reason.

Dates: `2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日`, `20260301`, and `03/01/2026`,
`3-1-2026`, `01.03.2026` (or a two-digit year, read as 20yy) in the chosen order, month first or
day first. A time after the date is ignored for a date and read for a date and time (naive
times are in the importing user's time zone). Spreadsheet date cells are taken as they are.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.exports import FORMULA_STARTS


class BadValue(ValueError):
    """A cell that cannot be read as its field needs; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value) -> str:
    """The cell as text: spreadsheet numbers without a trailing .0, our export's ' undone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    # Exports (ours, SuiteCRM's) put a ' before a cell a spreadsheet would run as a formula.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text


_SIGNS = ("US$", "HK$", "RMB", "CNY", "USD", "EUR", "HKD", "GBP", "JPY", "¥", "$", "€", "£", "元")
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f']")
_POINT_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN_POINT = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_PLAIN_COMMA = re.compile(r"^(\d+(,\d*)?|,\d+)$")


def parse_decimal(value, decimal_mark: str = ".", *, percent: bool = False) -> Decimal:
    """A number written with `decimal_mark` ("." or ","); see the module's description."""
    if isinstance(value, bool):
        raise BadValue(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    original = as_text(value)
    text = unicodedata.normalize("NFKC", original).strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith("-"):
        negative, text = True, text[1:].strip()
    if percent and text.endswith("%"):
        text = text[:-1].strip()
    for sign in _SIGNS:
        if text.upper().startswith(sign):
            text = text[len(sign) :].strip()
        if text.upper().endswith(sign):
            text = text[: -len(sign)].strip()
    if text.startswith("-"):  # ¥-100
        negative, text = True, text[1:].strip()
    multiplier = Decimal(1)
    if text and text[-1] in _MULTIPLIERS:
        multiplier, text = _MULTIPLIERS[text[-1]], text[:-1].strip()
    text = _SPACES.sub("", text)
    if decimal_mark == ",":
        if _COMMA_GROUPED.match(text):
            text = text.replace(".", "")
        elif not _PLAIN_COMMA.match(text):
            raise _bad_number(original, text, decimal_mark)
        text = text.replace(",", ".")
    else:
        if _POINT_GROUPED.match(text):
            text = text.replace(",", "")
        elif not _PLAIN_POINT.match(text):
            raise _bad_number(original, text, decimal_mark)
    try:
        number = Decimal(text) * multiplier
    except InvalidOperation:
        raise _bad_number(original, text, decimal_mark) from None
    return -number if negative else number


def _bad_number(original: str, text: str, decimal_mark: str) -> BadValue:
    other = "," if decimal_mark == "." else "."
    if re.fullmatch(r"[\d.,]+", text) and other in text:
        if decimal_mark == ".":
            return BadValue(
                _(
                    "“%(value)s” is not a number written with a decimal point (1,234.56); "
                    "if it uses a decimal comma (1.234,56), choose that convention."
                )
                % {"value": original}
            )
        return BadValue(
            _(
                "“%(value)s” is not a number written with a decimal comma (1.234,56); "
                "if it uses a decimal point (1,234.56), choose that convention."
            )
            % {"value": original}
        )
    return BadValue(_("“%(value)s” is not a number.") % {"value": original})


def parse_int(value, decimal_mark: str = ".", *, percent: bool = False) -> int:
    number = parse_decimal(value, decimal_mark, percent=percent)
    if number != number.to_integral_value():
        raise BadValue(_("“%(value)s” is not a whole number.") % {"value": as_text(value)})
    return int(number)


_YEAR_FIRST = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T](.*))?$"
)
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})(?:[ T](.*))?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def _split_date(value, date_order: str) -> tuple[datetime.date, str]:
    text = unicodedata.normalize("NFKC", as_text(value)).strip()
    rest = ""
    if match := _YEAR_FIRST.match(text):
        year, month, day, rest = match.groups()
    elif match := _YEAR_LAST.match(text):
        first, second, year, rest = match.groups()
        month, day = (first, second) if date_order == "mdy" else (second, first)
        if len(year) == 2:
            year = "20" + year
        if int(month) > 12 and int(day) <= 12:
            if date_order == "mdy":
                raise BadValue(
                    _(
                        "“%(value)s” is not a date in month/day/year order; if the day comes "
                        "first, choose that order."
                    )
                    % {"value": text}
                )
            raise BadValue(
                _(
                    "“%(value)s” is not a date in day/month/year order; if the month comes "
                    "first, choose that order."
                )
                % {"value": text}
            )
    elif match := _COMPACT.match(text):
        year, month, day = match.groups()
    else:
        raise BadValue(_("“%(value)s” is not a date.") % {"value": text})
    try:
        return datetime.date(int(year), int(month), int(day)), (rest or "").strip()
    except ValueError:
        raise BadValue(_("“%(value)s” is not a date.") % {"value": text}) from None


def parse_date(value, date_order: str = "mdy") -> datetime.date:
    """A date; `date_order` ("mdy" or "dmy") reads 03/01/2026 as 1 March or 3 January."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return _split_date(value, date_order)[0]


def parse_datetime(value, date_order: str = "mdy") -> datetime.datetime:
    """A moment; without a zone it is in the current time zone (the importing user's)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        day, rest = _split_date(value, date_order)
        moment = datetime.datetime.combine(day, datetime.time())
        if rest:
            match = _TIME.match(rest)
            if not match:
                raise BadValue(_("“%(value)s” is not a date and time.") % {"value": value})
            hour, minute, second, zone = match.groups()
            try:
                moment = moment.replace(hour=int(hour), minute=int(minute), second=int(second or 0))
            except ValueError:
                raise BadValue(
                    _("“%(value)s” is not a date and time.") % {"value": value}
                ) from None
            if zone:
                offset = datetime.UTC
                if zone != "Z":
                    sign = -1 if zone[0] == "-" else 1
                    digits = zone[1:].replace(":", "")
                    offset = datetime.timezone(
                        sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                    )
                moment = moment.replace(tzinfo=offset)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def key(text) -> str:
    """A header or choice compared loosely: case, spaces and punctuation ignored."""
    normal = unicodedata.normalize("NFKC", as_text(text)).casefold()
    return "".join(character for character in normal if character.isalnum())
