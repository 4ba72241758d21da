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


class MailSecurity(models.TextChoices):
    STARTTLS = "starttls", _("STARTTLS (usually port 587)")
    SSL = "ssl", _("SSL/TLS from the start (usually port 465)")
    NONE = "none", _("None (only inside a trusted network)")


class MailSettings(models.Model):
    """The organisation's e-mail settings: one row (id 1). An empty SMTP host means EMAIL_URL."""

    smtp_host = models.CharField(
        _("SMTP server"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to use the server given by EMAIL_URL."),
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_username = models.CharField(_("user name"), max_length=255, blank=True)
    # Stored as given, like Django's own EMAIL_HOST_PASSWORD; never shown again on a page.
    smtp_password = models.CharField(_("password"), max_length=255, blank=True)
    smtp_security = models.CharField(
        _("encryption"), max_length=8, choices=MailSecurity.choices, default=MailSecurity.STARTTLS
    )
    from_address = models.EmailField(
        _("from address"),
        blank=True,
        help_text=_("The sender of e-mails and reminders; empty means DEFAULT_FROM_EMAIL."),
    )
    inbound_domain = models.CharField(
        _("inbound domain"),
        max_length=255,
        blank=True,
        help_text=_("Mail to opp-<number>@this domain is logged on that opportunity."),
    )
    inbound_address = models.EmailField(
        _("general inbound address"),
        blank=True,
        help_text=_("Mail to this address is logged on its contacts' open opportunities."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("e-mail settings")
        verbose_name_plural = _("e-mail settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="mail_settings_single_row")
        ]

    def __str__(self) -> str:
        return str(_("e-mail settings"))

    @classmethod
    def current(cls) -> "MailSettings":
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    @property
    def uses_own_server(self) -> bool:
        return bool(self.smtp_host)

    @property
    def sender(self) -> str:
        return self.from_address or settings.DEFAULT_FROM_EMAIL

    @property
    def domain(self) -> str:
        """The inbound domain: the field, else EMAIL_INBOUND_DOMAIN; lower case."""
        return (self.inbound_domain or settings.EMAIL_INBOUND_DOMAIN).strip().lower()

    @property
    def general_address(self) -> str:
        return (self.inbound_address or settings.EMAIL_INBOUND_ADDRESS).strip().lower()

    def opportunity_address(self, opportunity_id: int) -> str:
        """The address that logs mail on opportunity `opportunity_id` ("" without a domain)."""
        return f"opp-{opportunity_id}@{self.domain}" if self.domain else ""
