"""One FilterSet for the account list page (and the API when it lists accounts)."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.pagination import Page, keyset_page
from shangji.users.models import User

from .models import Account

# Sort keys users see → (model field, descending); the list pages by (field, id).
SORTS = {
    "name": ("name", False),
    "-name": ("name", True),
    "updated": ("updated_at", False),
    "-updated": ("updated_at", True),
}
SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-updated", _("Recently updated")),
    ("updated", _("Least recently updated")),
]
DEFAULT_SORT = "name"

SEARCH_INPUT = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
AUTOSUBMIT_SELECT = forms.Select(attrs={"data-autosubmit": ""})


class SortedFilterSet(django_filters.FilterSet):
    """A FilterSet with a `sort` choice the list pages keyset-paginate by."""

    sorts: dict[str, tuple[str, bool]] = {}
    default_sort = ""

    def sort_order(self) -> tuple[str, str, bool]:
        """(sort key, model field, descending) chosen in the form, or the default."""
        key = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        if key not in self.sorts:
            key = self.default_sort
        field, descending = self.sorts[key]
        return key, field, descending

    def page(self, cursor: str | None, size: int | None = None) -> Page:
        """The filtered rows after `cursor` in the chosen order; a malformed cursor starts over."""
        _key, field, descending = self.sort_order()
        size = size or settings.PAGE_SIZE
        try:
            return keyset_page(
                self.qs, field=field, descending=descending, cursor=cursor, size=size
            )
        except ValueError:
            return keyset_page(self.qs, field=field, descending=descending, size=size)

    def keep_order(self, queryset, name, value):
        # The order is applied by the keyset paginator, not here.
        return queryset


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
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="keep_order",
        label=_("Sort by"),
        empty_label=None,
        widget=AUTOSUBMIT_SELECT,
    )

    sorts = SORTS
    default_sort = DEFAULT_SORT

    class Meta:
        model = Account
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(industry__icontains=value)
            | Q(phone__icontains=value)
            | Q(email__icontains=value)
            | Q(website__icontains=value)
        )
