"""The fixed lists of a lead; keys are SuiteCRM's so its exports import as they are."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeadStatus(models.TextChoices):
    NEW = "New", pgettext_lazy("lead status", "New")
    ASSIGNED = "Assigned", pgettext_lazy("lead status", "Assigned")
    IN_PROCESS = "In Process", _("In Process")
    CONVERTED = "Converted", _("Converted")
    RECYCLED = "Recycled", _("Recycled")
    DEAD = "Dead", _("Dead")


class ActivityHandling(models.TextChoices):
    """What conversion does with the lead's activities."""

    MOVE = "move", _("Move them to the new records")
    COPY = "copy", _("Copy them to the new records (the lead keeps its own)")
    KEEP = "keep", _("Leave them on the lead")
