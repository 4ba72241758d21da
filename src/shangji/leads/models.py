"""Leads: inquiries not yet qualified, which convert into an account, a contact and a deal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shangji.core.models import VersionedModel
from shangji.core.names import person_name
from shangji.opportunities.choices import LeadSource

from .choices import LeadStatus
from .querysets import LeadQuerySet


class Lead(VersionedModel):
    """A person or company that showed interest: an inquiry e-mail, a trade-show card."""

    first_name = models.CharField(_("given name"), max_length=100, blank=True)
    last_name = models.CharField(_("family name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=255, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    source = models.CharField(
        _("lead source"), max_length=32, choices=LeadSource.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_leads",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    # The importer updates the lead that carries the same external ID.
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("converted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    converted_account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        related_name="converted_leads",
        null=True,
        blank=True,
    )
    converted_contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        related_name="converted_leads",
        null=True,
        blank=True,
    )
    converted_opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        related_name="converted_leads",
        null=True,
        blank=True,
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["-created_at", "id"]),
            models.Index(fields=["-updated_at", "id"]),
            models.Index(fields=["last_name", "id"]),
            models.Index(fields=["company", "id"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["owner", "status", "-created_at"]),
            models.Index(fields=["source", "-created_at"]),
            models.Index(fields=["email"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="lead_external_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", company=""),
                name="lead_has_a_name_or_company",
            ),
            models.CheckConstraint(
                condition=Q(status=LeadStatus.CONVERTED, converted_at__isnull=False)
                | (~Q(status=LeadStatus.CONVERTED) & Q(converted_at__isnull=True)),
                name="lead_converted_when_converted_at",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """The person's name and company: 王芳 · 新城百货; either alone when the other is blank."""
        return " · ".join(part for part in (self.full_name, self.company) if part)

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED
