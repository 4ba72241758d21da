"""Saved views of a list: a named set of filters, columns and sort, personal or team-shared."""

import builtins

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ListName(models.TextChoices):
    """The lists a view can be saved for (leads are to follow)."""

    OPPORTUNITIES = "opportunities", _("Opportunities")


class SavedView(models.Model):
    """A user's named list view; shared ones are offered to the owner's team."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list = models.CharField(_("list"), max_length=32, choices=ListName.choices)
    name = models.CharField(_("name"), max_length=100)
    # The list's filters as a query string ("stage=3&owner=5&close_period=this_quarter").
    query = models.TextField(_("filters"), blank=True)
    # Column keys of the list in display order; empty means the list's standard columns.
    columns = models.JSONField(_("columns"), default=builtins.list, blank=True)
    sort = models.CharField(_("sort"), max_length=40, blank=True)
    shared_with_team = models.BooleanField(_("shared with my team"), default=False)
    is_default = models.BooleanField(_("my default view"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list", "name"], name="saved_view_name_per_owner_list"
            ),
            models.UniqueConstraint(
                fields=["owner", "list"],
                condition=Q(is_default=True),
                name="one_default_saved_view_per_owner_list",
            ),
        ]
        indexes = [models.Index(fields=["list", "shared_with_team"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The list showing this view: its filters, sort and columns."""
        from .lists import view_url

        return view_url(self)
