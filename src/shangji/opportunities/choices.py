"""The fixed lists of an opportunity; keys are SuiteCRM's so its exports import as they are."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    BEST_CASE = "best_case", _("Best Case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class OpportunityType(models.TextChoices):
    NEW_BUSINESS = "New Business", _("New Business")
    EXISTING_BUSINESS = "Existing Business", _("Existing Business")


class LeadSource(models.TextChoices):
    COLD_CALL = "Cold Call", _("Cold Call")
    EXISTING_CUSTOMER = "Existing Customer", _("Existing Customer")
    SELF_GENERATED = "Self Generated", _("Self Generated")
    EMPLOYEE = "Employee", _("Employee")
    PARTNER = "Partner", _("Partner")
    PUBLIC_RELATIONS = "Public Relations", _("Public Relations")
    DIRECT_MAIL = "Direct Mail", _("Direct Mail")
    CONFERENCE = "Conference", _("Conference")
    TRADE_SHOW = "Trade Show", _("Trade Show")
    WEB_SITE = "Web Site", _("Web Site")
    WORD_OF_MOUTH = "Word of mouth", _("Word of mouth")
    EMAIL = "Email", _("Email")
    CAMPAIGN = "Campaign", _("Campaign")
    OTHER = "Other", _("Other")


class Priority(models.TextChoices):
    HIGH = "High", _("High")
    MEDIUM = "Medium", _("Medium")
    LOW = "Low", _("Low")


class ContactRole(models.TextChoices):
    PRIMARY_DECISION_MAKER = "Primary Decision Maker", _("Primary Decision Maker")
    BUSINESS_DECISION_MAKER = "Business Decision Maker", _("Business Decision Maker")
    BUSINESS_EVALUATOR = "Business Evaluator", _("Business Evaluator")
    TECHNICAL_DECISION_MAKER = "Technical Decision Maker", _("Technical Decision Maker")
    TECHNICAL_EVALUATOR = "Technical Evaluator", _("Technical Evaluator")
    EXECUTIVE_SPONSOR = "Executive Sponsor", _("Executive Sponsor")
    INFLUENCER = "Influencer", _("Influencer")
    OTHER = "Other", _("Other")


DECISION_MAKER_ROLES = {
    ContactRole.PRIMARY_DECISION_MAKER,
    ContactRole.BUSINESS_DECISION_MAKER,
    ContactRole.TECHNICAL_DECISION_MAKER,
}
