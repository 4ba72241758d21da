from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(amount, currency) -> str:
    """'USD 100,000.00': the currency code (never an ambiguous symbol), grouped per locale."""
    if amount is None:
        return ""
    code = getattr(currency, "code", currency) or ""
    places = getattr(currency, "decimal_places", 2)
    number = number_format(Decimal(amount), decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{code} {number}".strip()


@register.simple_tag(takes_context=True)
def query(context, **overrides) -> str:
    """The current query string with some keys replaced (None drops a key)."""
    from shangji.core.views import query_string

    return query_string(context["request"].GET, **overrides)
