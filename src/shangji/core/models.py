"""Base models and reference data shared by every domain app (no domain models here)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditedModel(models.Model):
    """Who created and last changed a record, and when."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


class VersionedModel(AuditedModel):
    """An audited record two people may edit at once: every write bumps `version`."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class Currency(models.Model):
    """An ISO 4217 currency the organisation trades in."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    symbol = models.CharField(_("symbol"), max_length=8)
    decimal_places = models.PositiveSmallIntegerField(_("decimal places"), default=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z]{3}$"), name="currency_code_iso"
            )
        ]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """How many units of the base currency one unit of `currency` is worth from `valid_from`."""

    currency = models.ForeignKey(
        Currency, verbose_name=_("currency"), on_delete=models.CASCADE, related_name="rates"
    )
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=Decimal(0)), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id} {self.rate} @ {self.valid_from}"
