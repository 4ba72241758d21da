"""Reads of leads: one lead, the list and its export, and the duplicates conversion offers."""

import re
from collections.abc import Iterator

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.pagination import order_for

from .filters import LeadFilter
from .models import Lead

DUPLICATES_LIMIT = 10
# How many accounts containing the name's stem are compared (the closest by name first).
_CANDIDATES = 200

# Legal-form endings that do not tell two companies apart: 新城百货有限公司 is 新城百货, and
# "Acme Co., Ltd." is "ACME". Longest first; Latin ones only after a space or punctuation.
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "公司",
    "company limited",
    "corporation",
    "incorporated",
    "limited",
    "company",
    "co., ltd",
    "co.,ltd",
    "co. ltd",
    "co ltd",
    "corp",
    "gmbh",
    "ltd",
    "inc",
    "llc",
    "plc",
    "co",
    "ab",
)
_TRIM = " \t,.，。、()（）"


def company_stem(name: str) -> str:
    """A company name without case, spacing and legal-form endings (see COMPANY_SUFFIXES)."""
    text = " ".join((name or "").split()).casefold().strip(_TRIM)
    shortened = True
    while shortened:
        shortened = False
        for suffix in COMPANY_SUFFIXES:
            rest = text.removesuffix(suffix)
            if rest == text or not rest.strip(_TRIM):
                continue
            if suffix.isascii() and rest[-1].isalnum():
                continue  # "Costco" does not end in "co"
            text, shortened = rest.strip(_TRIM), True
            break
    return text


def account_duplicates(*, name: str, limit: int = DUPLICATES_LIMIT) -> list[Account]:
    """Accounts that may be the company `name`: the same name ignoring case, spacing and
    legal-form endings (上海新城百货 vs 上海新城百货有限公司, "Acme Co., Ltd." vs "ACME").

    The accounts containing the stem are read in SQL, at most _CANDIDATES of them, and
    compared by stem here.
    """
    stem = company_stem(name)
    if not stem:
        return []
    candidates = Account.objects.filter(
        Q(name__iexact=(name or "").strip()) | Q(name__icontains=stem)
    ).select_related("owner")
    found = [
        account
        for account in candidates.order_by("name", "id")[:_CANDIDATES]
        if company_stem(account.name) == stem
    ]
    return found[:limit]


_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def _digits(column: str):
    """The column without spaces and dashes, in SQL (a phone written 138 0000 0001 matches)."""
    expression = Replace(column, Value(" "), Value(""))
    return Replace(expression, Value("-"), Value(""))


def contact_duplicates(
    *, email: str = "", phones: tuple[str, ...] = (), limit: int = DUPLICATES_LIMIT
) -> list[Contact]:
    """Contacts with the same e-mail (ignoring case) or one of `phones` as phone or mobile
    (ignoring spaces and dashes)."""
    condition = Q()
    if email := (email or "").strip():
        condition |= Q(email__iexact=email)
    numbers = {_PHONE_NOISE.sub("", phone) for phone in phones if _PHONE_NOISE.sub("", phone or "")}
    contacts = Contact.objects.all()
    if numbers:
        contacts = contacts.annotate(phone_digits=_digits("phone"), mobile_digits=_digits("mobile"))
        condition |= Q(phone_digits__in=numbers) | Q(mobile_digits__in=numbers)
    if not condition:
        return []
    return list(
        contacts.filter(condition)
        .select_related("account", "owner")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def lead_get(*, user, pk) -> Lead:
    """One lead `user` may see, with what its page shows, or 404 — whether it exists or not."""
    lead = (
        Lead.objects.visible_to(user)
        .select_related(
            "owner__team",
            "created_by",
            "updated_by",
            "converted_by",
            "converted_account",
            "converted_contact",
            "converted_opportunity",
        )
        .filter(pk=pk)
        .first()
    )
    if lead is None:
        raise Http404
    return lead


def lead_list(*, user) -> QuerySet[Lead]:
    """The leads `user` reads, with what a list row shows."""
    return Lead.objects.visible_to(user).select_related("owner")


def lead_export_rows(*, user, params):
    """Every lead matching the list's filters, in the list's order, streamed; None if invalid."""
    leads = lead_list(user=user).select_related("converted_account", "converted_contact")
    filterset = LeadFilter(params, queryset=leads, request=_RequestShim(user))
    if not filterset.is_valid():
        return None
    _key, field, descending = filterset.sort_order()
    return filterset.qs.order_by(*order_for(field, descending)).iterator(chunk_size=2000)


def lead_export_table(rows) -> tuple[list, Iterator[list]]:
    """The export's header (in the active language) and its rows for `rows` of leads."""
    header = [
        _("ID"),
        _("Family name"),
        _("Given name"),
        _("Company"),
        _("Job title"),
        _("E-mail"),
        _("Phone"),
        _("Mobile"),
        _("Lead source"),
        _("Status"),
        _("Owner"),
        _("Description"),
        _("External ID"),
        _("Created at"),
        _("Updated at"),
        _("Converted at"),
        _("Account"),
        _("Contact"),
        _("Opportunity ID"),
    ]

    def lines():
        for lead in rows:
            yield [
                lead.pk,
                lead.last_name,
                lead.first_name,
                lead.company,
                lead.title,
                lead.email,
                lead.phone,
                lead.mobile,
                lead.get_source_display(),
                lead.get_status_display(),
                lead.owner.display_name if lead.owner else "",
                lead.description,
                lead.external_id,
                _iso(lead.created_at),
                _iso(lead.updated_at),
                _iso(lead.converted_at),
                lead.converted_account.name if lead.converted_account else "",
                lead.converted_contact.full_name if lead.converted_contact else "",
                lead.converted_opportunity_id or "",
            ]

    return header, lines()


def _iso(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


class _RequestShim:
    """The FilterSet only needs `request.user` (for "mine")."""

    def __init__(self, user):
        self.user = user
