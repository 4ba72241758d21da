"""One FilterSet for the contact list page (and the API when it lists contacts)."""

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from shangji.accounts.filters import AUTOSUBMIT_SELECT, SEARCH_INPUT, SortedFilterSet
from shangji.accounts.models import Account
from shangji.core.forms import ChosenOnlySelect

from .models import Contact

SORTS = {
    "name": ("last_name", False),
    "-name": ("last_name", True),
    "updated": ("updated_at", False),
    "-updated": ("updated_at", True),
}
SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-updated", _("Recently updated")),
    ("updated", _("Least recently updated")),
]


def with_full_names(queryset):
    """Annotate both ways of writing a name, so 王芳 and 'Ada Lovelace' are found whole."""
    return queryset.annotate(
        family_given=Concat("last_name", "first_name"),
        given_family=Concat("first_name", Value(" "), "last_name"),
    )


def name_contains(text: str) -> Q:
    """For a queryset `with_full_names`: the name contains `text`."""
    return Q(family_given__icontains=text) | Q(given_family__icontains=text)


class ContactFilter(SortedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), widget=SEARCH_INPUT)
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.order_by("name", "id"),
        label=_("Account"),
        empty_label=_("All accounts"),
        widget=ChosenOnlySelect(attrs={"data-autosubmit": ""}),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="keep_order",
        label=_("Sort by"),
        empty_label=None,
        widget=AUTOSUBMIT_SELECT,
    )

    sorts = SORTS
    default_sort = "name"

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return with_full_names(queryset).filter(
            name_contains(value)
            | Q(title__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
            | Q(mobile__icontains=value)
            | Q(account__name__icontains=value)
        )
