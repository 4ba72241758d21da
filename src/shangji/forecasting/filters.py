"""The reports' filters: the list's close-date, owner and pipeline filters, and team.

The report FilterSet is the list's FilterSet cut down to the names reports take, so a filter
means the same on a report and on the list it drills down to.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from shangji.opportunities.filters import OpportunityFilter
from shangji.users.models import Team

# The list's filters a report keeps (the drill-down passes them on unchanged).
LIST_FILTER_NAMES = ("close_date_from", "close_date_to", "owner", "pipeline")


class ReportFilter(OpportunityFilter):
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="owner__team", label=_("Team")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: self.filters[name] for name in (*LIST_FILTER_NAMES, "team")}
