"""One FilterSet for the contact list page (and the API when it lists contacts)."""

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from shangji.accounts.models import Account
from shangji.core.filters import (
    NAME_OR_UPDATED_SORT_CHOICES,
    SEARCH_INPUT,
    SortedFilterSet,
    any_field_contains,
    name_or_updated_sorts,
    sort_filter,
    text_search,
)
from shangji.core.forms import ChosenOnlySelect

from .models import Contact

# What the search box reads: the name both ways (see `with_full_names`), then the rest.
SEARCH_FIELDS = [
    "family_given",
    "given_family",
    "title",
    "email",
    "phone",
    "mobile",
    "account__name",
]


def with_full_names(queryset):
    """Annotate both ways of writing a name, so 王芳 and 'Ada Lovelace' are found whole."""
    return queryset.annotate(
        family_given=Concat("last_name", "first_name"),
        given_family=Concat("first_name", Value(" "), "last_name"),
    )


def name_contains(text: str) -> Q:
    """For a queryset `with_full_names`: the name contains `text`."""
    return any_field_contains(text, ["family_given", "given_family"])


class ContactFilter(SortedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), widget=SEARCH_INPUT)
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.order_by("name", "id"),
        label=_("Account"),
        empty_label=_("All accounts"),
        widget=ChosenOnlySelect(attrs={"data-autosubmit": ""}),
    )
    sort = sort_filter(NAME_OR_UPDATED_SORT_CHOICES)

    sorts = name_or_updated_sorts("last_name")
    default_sort = "name"

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return text_search(with_full_names(queryset), value, SEARCH_FIELDS)
