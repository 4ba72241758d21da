import datetime

from django.db import models

from shangji.core.permissions import OwnedQuerySet

from .choices import StageKind


class OpportunityQuerySet(OwnedQuerySet, models.QuerySet):
    def open(self):
        return self.filter(stage__kind=StageKind.OPEN)

    def won(self):
        return self.filter(stage__kind=StageKind.WON)

    def lost(self):
        return self.filter(stage__kind=StageKind.LOST)

    def closing_between(self, start: datetime.date, end: datetime.date):
        return self.filter(close_date__gte=start, close_date__lte=end)

    def with_list_relations(self):
        return self.select_related("account", "stage", "owner", "currency")

    def with_health(self, now: datetime.datetime | None = None):
        """Annotate the deal health flags: is_stale, close_date_passed, slipped_twice,
        no_next_step, no_decision_maker (booleans, false on closed deals) and
        health_flag_count. See opportunities.health."""
        from .health import annotate_health

        return annotate_health(self, now)


class StageQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)
