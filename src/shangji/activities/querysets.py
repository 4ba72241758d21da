from django.db import models
from django.db.models import Q

from shangji.core.permissions import read_scope
from shangji.leads.querysets import lead_read_scope

from .choices import DONE_STATUSES, ActivityKind


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities on an opportunity or a lead follow its visibility; those on an account or
        contact alone are part of the shared directory; your own are always yours."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        scope = read_scope(user, "opportunity__owner")
        if scope is None:
            return self
        # An activity on a lead follows the lead's visibility (leads.querysets).
        lead_scope = lead_read_scope(user, "lead__")
        on_visible_lead = Q() if lead_scope is None else Q(lead__isnull=True) | lead_scope
        return self.filter(
            scope
            | (Q(opportunity__isnull=True) & on_visible_lead)
            | Q(owner=user)
            | Q(participants__user=user)
        ).distinct()

    def open(self):
        """Planned calls and meetings and unfinished tasks."""
        return self.filter(
            kind__in=[ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.TASK]
        ).exclude(status__in=DONE_STATUSES)


class ReminderQuerySet(models.QuerySet):
    def due(self, now):
        from .choices import ReminderStatus

        return self.filter(status=ReminderStatus.PENDING, remind_at__lte=now)
