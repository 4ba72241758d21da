"""One FilterSet for the account list page (and the API when it lists accounts)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from shangji.core.filters import (
    AUTOSUBMIT_SELECT,
    NAME_OR_UPDATED_SORT_CHOICES,
    SEARCH_INPUT,
    SortedFilterSet,
    name_or_updated_sorts,
    sort_filter,
    text_search,
)
from shangji.users.models import User

from .models import Account


class AccountFilter(SortedFilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label=_("Search"),
        widget=SEARCH_INPUT,
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True),
        label=_("Owner"),
        empty_label=_("All owners"),
        widget=AUTOSUBMIT_SELECT,
    )
    sort = sort_filter(NAME_OR_UPDATED_SORT_CHOICES)

    sorts = name_or_updated_sorts("name")
    default_sort = "name"

    class Meta:
        model = Account
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name

    def filter_text(self, queryset, name, value):
        return text_search(queryset, value, ["name", "industry", "phone", "email", "website"])
