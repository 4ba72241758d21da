"""Filter pieces the list pages share: widgets, text search, and sorting with keyset pages."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .pagination import Page, keyset_page

SEARCH_INPUT = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
AUTOSUBMIT_SELECT = forms.Select(attrs={"data-autosubmit": ""})

# The sort choices of a list ordered by name or by last change (see `name_or_updated_sorts`).
NAME_OR_UPDATED_SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-updated", _("Recently updated")),
    ("updated", _("Least recently updated")),
]


def name_or_updated_sorts(name_field: str) -> dict[str, tuple[str, bool]]:
    """The keys of NAME_OR_UPDATED_SORT_CHOICES → (model field, descending)."""
    return {
        "name": (name_field, False),
        "-name": (name_field, True),
        "updated": ("updated_at", False),
        "-updated": ("updated_at", True),
    }


def any_field_contains(text: str, fields: list[str]) -> Q:
    """Rows where at least one of `fields` contains `text`, ignoring case."""
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return condition


def text_search(queryset: QuerySet, text: str, fields: list[str]) -> QuerySet:
    """The rows where one of `fields` contains the stripped `text`; blank text keeps them all."""
    text = text.strip()
    return queryset.filter(any_field_contains(text, fields)) if text else queryset


def sort_filter(choices) -> django_filters.ChoiceFilter:
    """The "Sort by" select of a SortedFilterSet (the keyset paginator applies the order)."""
    return django_filters.ChoiceFilter(
        choices=choices,
        method="keep_order",
        label=_("Sort by"),
        empty_label=None,
        widget=AUTOSUBMIT_SELECT,
    )


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
