from django.db import models
from django.db.models import Q

from shangji.core.permissions import read_scope

from .choices import DONE_STATUSES, ActivityKind


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities on an opportunity follow its visibility; those on an account, contact or
        lead alone are part of the shared directory; your own are always yours."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        scope = read_scope(user, "opportunity__owner")
        if scope is None:
            return self
        return self.filter(
            scope | Q(opportunity__isnull=True) | Q(owner=user) | Q(participants__user=user)
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
