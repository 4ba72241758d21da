"""One FilterSet for the lead list page, its CSV export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.contacts.filters import with_full_names
from shangji.core.filters import (
    AUTOSUBMIT_SELECT,
    SEARCH_INPUT,
    SortedFilterSet,
    sort_filter,
    text_search,
)
from shangji.opportunities.choices import LeadSource
from shangji.users.models import User

from .choices import LeadStatus
from .models import Lead

# The owner filter's value for leads nobody owns yet.
UNASSIGNED = "none"

SORT_CHOICES = [
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("company", _("Company, A to Z")),
    ("-company", _("Company, Z to A")),
    ("-updated", _("Recently updated")),
]
# Sort keys → (model field, descending); each has an index (see Lead.Meta).
SORTS = {
    "-created": ("created_at", True),
    "created": ("created_at", False),
    "name": ("last_name", False),
    "-name": ("last_name", True),
    "company": ("company", False),
    "-company": ("company", True),
    "-updated": ("updated_at", True),
}
# What the search box reads: the name both ways (王芳, "Ada Lovelace"), then the rest.
SEARCH_FIELDS = [
    "family_given",
    "given_family",
    "company",
    "title",
    "email",
    "phone",
    "mobile",
]


class LeadFilter(SortedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), widget=SEARCH_INPUT)
    status = django_filters.ChoiceFilter(
        choices=LeadStatus.choices,
        label=_("Status"),
        empty_label=_("All statuses"),
        widget=AUTOSUBMIT_SELECT,
    )
    source = django_filters.ChoiceFilter(
        choices=LeadSource.choices,
        label=_("Lead source"),
        empty_label=_("All sources"),
        widget=AUTOSUBMIT_SELECT,
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name", "id"),
        label=_("Owner"),
        empty_label=_("All owners"),
        null_label=_("Unassigned"),
        null_value=UNASSIGNED,
        widget=AUTOSUBMIT_SELECT,
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )
    sort = sort_filter(SORT_CHOICES)

    sorts = SORTS
    default_sort = "-created"

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name

    def filter_text(self, queryset, name, value):
        return text_search(with_full_names(queryset), value, SEARCH_FIELDS)

    def filter_mine(self, queryset, name, value):
        if value and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset
