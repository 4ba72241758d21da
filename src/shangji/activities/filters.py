"""One FilterSet for the activity list page (and the API, should it want the same words)."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.filters import SortedFilterSet, sort_filter, text_search
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity
from shangji.users.models import User

from .choices import ActivityKind, CallStatus, TaskStatus
from .models import Activity, ActivityParticipant

OPEN = "open"
STATUS_CHOICES = [
    (OPEN, _("Open (not done)")),
    *CallStatus.choices,
    *[choice for choice in TaskStatus.choices],
]
SORT_CHOICES = [("-time", _("Newest first")), ("time", _("Oldest first"))]
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _visible(model):
    """The rows of `model` the filtering user may read (the choices of a record filter)."""

    def queryset(request):
        user = getattr(request, "user", None)
        if user is None:
            return model.objects.none()
        return model.objects.visible_to(user)

    return queryset


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ActivityFilter(SortedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(
        choices=ActivityKind.choices,
        label=_("Type"),
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Status")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name", "id"),
        label=_("Assigned to"),
    )
    opportunity = django_filters.ModelChoiceFilter(
        queryset=_visible(Opportunity), label=_("Opportunity"), widget=forms.HiddenInput
    )
    account = django_filters.ModelChoiceFilter(
        queryset=_visible(Account), label=_("Account"), widget=forms.HiddenInput
    )
    contact = django_filters.ModelChoiceFilter(
        queryset=_visible(Contact),
        method="filter_contact",
        label=_("Contact"),
        widget=forms.HiddenInput,
    )
    lead = django_filters.ModelChoiceFilter(
        queryset=_visible(Lead), label=_("Lead"), widget=forms.HiddenInput
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=pgettext_lazy("date range", "From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label=pgettext_lazy("date range", "Until"), widget=DATE_INPUT
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )
    sort = sort_filter(SORT_CHOICES)

    sorts = {"-time": ("occurred_at", True), "time": ("occurred_at", False)}
    default_sort = "-time"

    class Meta:
        model = Activity
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda user: user.display_name

    def filter_text(self, queryset, name, value):
        return text_search(
            queryset, value, ["subject", "body", "opportunity__name", "account__name"]
        )

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == OPEN else queryset.filter(status=value)

    def filter_contact(self, queryset, name, value):
        attending = ActivityParticipant.objects.filter(contact=value).values("activity_id")
        return queryset.filter(Q(contact=value) | Q(pk__in=attending))

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        user = self.request.user
        attending = ActivityParticipant.objects.filter(user=user).values("activity_id")
        return queryset.filter(Q(owner=user) | Q(pk__in=attending))
