from django.db import models

from shangji.core.permissions import OwnedQuerySet


class AccountQuerySet(OwnedQuerySet, models.QuerySet):
    def visible_to(self, user):
        # Accounts are the company's shared directory: every active user reads them, so
        # nobody creates a duplicate of a customer a colleague already has.
        return self if user.is_authenticated and user.is_active else self.none()
