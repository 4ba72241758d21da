"""One FilterSet for the audit log page and GET /api/v1/audit-log."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.core.filters import AUTOSUBMIT_SELECT

from .choices import AuditAction
from .models import AuditEntry

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the reader's time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_current_timezone()
    )


class AddressFilter(django_filters.CharFilter):
    """An IPv4 or IPv6 address; anything else is a form error, not a database error."""

    field_class = forms.GenericIPAddressField


class AuditEntryFilter(django_filters.FilterSet):
    """Filters of the audit log: action, user, days (in the reader's zone) and record."""

    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices, label=_("Action"), widget=AUTOSUBMIT_SELECT
    )
    actor = django_filters.CharFilter(
        method="filter_actor",
        label=_("User"),
        help_text=_("A username; signed-in users and names tried at sign-in alike."),
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=_("From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("To"), widget=DATE_INPUT)
    target_type = django_filters.CharFilter(label=_("Record type"))
    target_id = django_filters.NumberFilter(label=_("Record id"))
    ip_address = AddressFilter(label=_("Address"))

    class Meta:
        model = AuditEntry
        fields = ["action", "target_type", "target_id", "ip_address"]

    def filter_actor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The name at the time: also finds the entries of a user since renamed or deleted.
        return queryset.filter(actor_label__iexact=value)

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_start_of(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_start_of(value + datetime.timedelta(days=1)))
