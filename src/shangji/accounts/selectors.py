"""Reads of accounts that span models: the list rows, the detail page, the option lists."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from shangji.contacts.models import Contact
from shangji.core.forms import OPTIONS_LIMIT
from shangji.core.permissions import may_edit
from shangji.opportunities.models import Opportunity

from .models import Account

DETAIL_ROWS = 100


def account_list(*, user) -> QuerySet[Account]:
    """The accounts `user` reads, with what a list row shows."""
    return Account.objects.visible_to(user).select_related("owner")


@dataclass
class AccountDetail:
    account: Account
    contacts: list[Contact]
    contacts_more: bool
    opportunities: list[Opportunity]
    opportunities_more: bool
    may_edit: bool


def account_detail_get(*, user, account_id: int) -> AccountDetail:
    """An account with its contacts and the opportunities `user` may read (404 if none)."""
    account = get_object_or_404(
        Account.objects.visible_to(user).select_related(
            "owner__team", "parent", "created_by", "updated_by"
        ),
        pk=account_id,
    )
    contacts = list(
        account.contacts.select_related("owner").order_by("last_name", "first_name", "id")[
            : DETAIL_ROWS + 1
        ]
    )
    opportunities = list(
        Opportunity.objects.visible_to(user)
        .filter(account=account)
        .select_related("stage", "owner", "currency")
        .order_by("close_date", "id")[: DETAIL_ROWS + 1]
    )
    return AccountDetail(
        account=account,
        contacts=contacts[:DETAIL_ROWS],
        contacts_more=len(contacts) > DETAIL_ROWS,
        opportunities=opportunities[:DETAIL_ROWS],
        opportunities_more=len(opportunities) > DETAIL_ROWS,
        may_edit=may_edit(user, account.owner),
    )


def account_options(*, user, query: str = "", limit: int = OPTIONS_LIMIT) -> list[Account]:
    """Up to `limit` accounts whose name contains `query`, by name (for `<select>` search)."""
    accounts = Account.objects.visible_to(user)
    query = (query or "").strip()
    if query:
        accounts = accounts.filter(name__icontains=query)
    return list(accounts.only("id", "name").order_by("name", "id")[:limit])
