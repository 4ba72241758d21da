# Django's Chinese formats, with amounts grouped by thousands (100,000.00) as Chinese business
# documents and bank statements write them.
from django.conf.locale.zh_Hans.formats import (  # noqa: F401
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_FORMAT,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
    YEAR_MONTH_FORMAT,
)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
