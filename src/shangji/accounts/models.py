"""Accounts: the companies we sell to."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shangji.core.models import VersionedModel

from .querysets import AccountQuerySet


class Account(VersionedModel):
    """A customer or prospect company."""

    name = models.CharField(_("name"), max_length=255)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
    )
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )
    # The importer updates the account that carries the same external ID.
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(Lower("name"), name="account_name_lower"),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["-updated_at", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="account_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:account_detail", args=[self.pk])
