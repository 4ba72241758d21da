from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityKind(models.TextChoices):
    OPPORTUNITY = "opportunity", _("Opportunity")
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")
    ACTIVITY = "activity", _("Activity")
    IMPORT = "import", _("Import")


class Action(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")
    STAGE_CHANGED = "stage_changed", _("stage changed")
    WON = "won", _("won")
    LOST = "lost", _("lost")
    COMPLETED = "completed", _("completed")
    CONVERTED = "converted", _("converted")
    FINISHED = "finished", _("finished")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# The events a webhook subscribes to ("<kind>.<action>"), in the order the form lists them.
WEBHOOK_EVENTS = [
    ("opportunity.created", _("Opportunity created")),
    ("opportunity.updated", _("Opportunity updated (any change, stage moves included)")),
    ("opportunity.stage_changed", _("Opportunity stage changed (won and lost included)")),
    ("opportunity.won", _("Opportunity won")),
    ("opportunity.lost", _("Opportunity lost")),
    ("opportunity.deleted", _("Opportunity deleted")),
    ("activity.created", _("Activity created")),
    ("activity.completed", _("Activity completed")),
    ("lead.converted", _("Lead converted")),
    ("import.finished", _("Import finished")),
]
WEBHOOK_EVENT_NAMES = [name for name, _label in WEBHOOK_EVENTS]

# A subscription to the key also receives these more specific events (one delivery each).
WIDER_SUBSCRIPTIONS = {
    "opportunity.stage_changed": ("opportunity.updated",),
    "opportunity.won": ("opportunity.stage_changed", "opportunity.updated"),
    "opportunity.lost": ("opportunity.stage_changed", "opportunity.updated"),
}

TEST_EVENT = "ping"


def subscriptions_matching(event_name: str) -> set[str]:
    """The subscription names that receive `event_name`."""
    return {event_name, *WIDER_SUBSCRIPTIONS.get(event_name, ())}
