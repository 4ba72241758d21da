from django.db import models

from shangji.core.permissions import OwnedQuerySet


class ContactQuerySet(OwnedQuerySet, models.QuerySet):
    def visible_to(self, user):
        # Contacts belong to the shared account directory (see AccountQuerySet).
        return self if user.is_authenticated and user.is_active else self.none()
