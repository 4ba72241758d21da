"""The kinds of import: each turns checked rows into records through its app's services."""

from ..models import Kind
from .accounts import AccountHandler
from .activities import ActivityHandler
from .base import Handler
from .contacts import ContactHandler
from .leads import LeadHandler
from .opportunities import OpportunityHandler

HANDLERS: dict[str, Handler] = {
    Kind.OPPORTUNITIES: OpportunityHandler(),
    Kind.ACCOUNTS: AccountHandler(),
    Kind.CONTACTS: ContactHandler(),
    Kind.LEADS: LeadHandler(),
    Kind.ACTIVITIES: ActivityHandler(),
}
# Undo records name their model; an opportunity import also creates accounts.
BY_RECORD: dict[str, Handler] = {handler.record: handler for handler in HANDLERS.values()}
