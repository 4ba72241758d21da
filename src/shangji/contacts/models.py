"""Contacts: the people at an account."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shangji.core.models import VersionedModel
from shangji.core.names import person_name

from .querysets import ContactQuerySet


class Contact(VersionedModel):
    """A person at an account."""

    first_name = models.CharField(_("given name"), max_length=100, blank=True)
    last_name = models.CharField(_("family name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_contacts",
    )
    # The importer updates the contact that carries the same external ID.
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["account", "last_name"]),
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(fields=["email"]),
            models.Index(fields=["owner", "last_name"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return person_name(self.first_name, self.last_name)

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact_detail", args=[self.pk])
