"""The reports' filters: the list's close-date, owner, team and pipeline filters.

The report FilterSet is the list's FilterSet cut down to the names reports take, so a filter
means the same on a report and on the list it drills down to.
"""

from shangji.opportunities.filters import OpportunityFilter

# The list's filters a report keeps (the drill-down passes them on unchanged).
LIST_FILTER_NAMES = ("close_date_from", "close_date_to", "owner", "team", "pipeline")


class ReportFilter(OpportunityFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: self.filters[name] for name in LIST_FILTER_NAMES}
