"""The columns of the opportunity list and of its export: keys, labels in the user's language.

Export headers are the labels our importer proposes for the same fields
(shangji.imports.mapping.OPPORTUNITY_FIELDS), so an exported file maps itself on import.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Opportunity


@dataclass(frozen=True)
class ExportColumn:
    """One column of the export: its key (?columns=…), header and value of a row."""

    key: str
    label: object
    value: Callable[[Opportunity], object]

    @property
    def header(self) -> str:
        if self.key == "amount_base":
            return gettext("Amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}
        return str(self.label)


def _display(field: str) -> Callable[[Opportunity], str]:
    return lambda o: getattr(o, f"get_{field}_display")()


# In the order of the file; every field the list and detail pages show.
EXPORT_COLUMNS = [
    ExportColumn("id", _("Shangji ID"), lambda o: o.pk),
    ExportColumn("name", _("Name"), lambda o: o.name),
    ExportColumn("account", _("Account"), lambda o: o.account.name if o.account_id else ""),
    ExportColumn("stage", _("Stage"), lambda o: o.stage.label),
    ExportColumn("amount", _("Amount"), lambda o: o.amount),
    ExportColumn("currency", _("Currency"), lambda o: o.currency_id),
    ExportColumn("amount_base", _("Amount (base currency)"), lambda o: o.amount_base),
    ExportColumn("probability", _("Probability (%)"), lambda o: o.probability),
    ExportColumn("close_date", _("Expected close date"), lambda o: o.close_date),
    ExportColumn("forecast_category", _("Forecast category"), _display("forecast_category")),
    ExportColumn("type", _("Type"), _display("type")),
    ExportColumn("lead_source", _("Lead source"), _display("lead_source")),
    ExportColumn("next_step", _("Next step"), lambda o: o.next_step),
    ExportColumn("priority", _("Priority"), _display("priority")),
    ExportColumn("campaign", _("Campaign"), lambda o: o.campaign),
    ExportColumn("owner", _("Owner"), lambda o: o.owner.display_name),
    ExportColumn("created_at", _("Created at"), lambda o: o.created_at),
    ExportColumn("updated_at", _("Updated at"), lambda o: o.updated_at),
    ExportColumn("closed_at", _("Closed at"), lambda o: o.closed_at),
    ExportColumn("lost_reason", _("Lost reason"), lambda o: o.lost_reason),
    ExportColumn("description", _("Description"), lambda o: o.description),
    ExportColumn("pipeline", _("Pipeline"), lambda o: o.pipeline.label),
    ExportColumn("external_id", _("External ID"), lambda o: o.external_id),
]
EXPORT_COLUMNS_BY_KEY = {column.key: column for column in EXPORT_COLUMNS}


def export_columns(keys: list[str]) -> tuple[list[ExportColumn], list[str]]:
    """The chosen columns in the order given ("a,b" or repeated keys); all when none is given.

    Returns the columns and the unknown keys.
    """
    wanted = [part.strip() for key in keys for part in key.split(",") if part.strip()]
    unknown = [key for key in wanted if key not in EXPORT_COLUMNS_BY_KEY]
    chosen = [EXPORT_COLUMNS_BY_KEY[key] for key in dict.fromkeys(wanted) if key not in unknown]
    return (chosen or list(EXPORT_COLUMNS)), unknown


@dataclass(frozen=True)
class ListColumn:
    """A column the list page can show; `sort` is its ?sort= key (None: not sortable)."""

    key: str
    label: object
    sort: str | None = None
    number: bool = False
    hide_small: bool = False


# The name column always comes first; these are the ones a view chooses from.
LIST_COLUMNS = [
    ListColumn("account", _("Account"), "account"),
    ListColumn("stage", _("Stage"), "stage"),
    ListColumn("amount", _("Amount"), "amount", number=True),
    ListColumn("amount_base", _("Amount (base currency)"), "amount", number=True),
    ListColumn("close_date", _("Close date"), "close_date"),
    ListColumn("owner", _("Owner"), "owner", hide_small=True),
    ListColumn("probability", _("Probability"), "probability", number=True, hide_small=True),
    ListColumn("forecast_category", _("Forecast category")),
    ListColumn("pipeline", _("Pipeline")),
    ListColumn("type", _("Type")),
    ListColumn("lead_source", _("Lead source")),
    ListColumn("priority", _("Priority")),
    ListColumn("next_step", _("Next step")),
    ListColumn("campaign", _("Campaign")),
    ListColumn("external_id", _("External ID")),
    ListColumn("created_at", _("Created at")),
    ListColumn("updated_at", _("Updated at"), "updated"),
]
LIST_COLUMNS_BY_KEY = {column.key: column for column in LIST_COLUMNS}
DEFAULT_LIST_COLUMNS = ["account", "stage", "amount", "close_date", "owner", "probability"]


def list_columns(keys: list[str] | None) -> list[ListColumn]:
    """The list columns named by `keys` (unknown ones left out); the standard set for none."""
    chosen = [LIST_COLUMNS_BY_KEY[key] for key in keys or [] if key in LIST_COLUMNS_BY_KEY]
    return chosen or [LIST_COLUMNS_BY_KEY[key] for key in DEFAULT_LIST_COLUMNS]
