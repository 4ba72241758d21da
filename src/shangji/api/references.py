"""Turn the ids and codes a client sends into the records services take.

An id the caller may not see is answered like one that does not exist: a field error.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.models import Currency
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity, Stage
from shangji.users.models import User


def _invalid_choice() -> str:
    return _("Select a valid choice. That choice is not one of the available choices.")


class References:
    """Looks up references field by field and raises all the misses at once."""

    def __init__(self, user: User):
        self.user = user
        self.errors: dict[str, list[str]] = {}

    def _get(self, field: str, queryset: QuerySet, pk):
        if pk is None:
            return None
        found = queryset.filter(pk=pk).first()
        if found is None:
            self.errors.setdefault(field, []).append(_invalid_choice())
        return found

    def account(self, pk, field: str = "account"):
        return self._get(field, Account.objects.visible_to(self.user), pk)

    def contact(self, pk, field: str = "contact"):
        return self._get(field, Contact.objects.visible_to(self.user), pk)

    def opportunity(self, pk, field: str = "opportunity"):
        return self._get(
            field, Opportunity.objects.visible_to(self.user).select_related("owner__team"), pk
        )

    def lead(self, pk, field: str = "lead"):
        return self._get(field, Lead.objects.visible_to(self.user).select_related("owner"), pk)

    def stage(self, pk, field: str = "stage"):
        return self._get(field, Stage.objects.select_related("pipeline"), pk)

    def owner(self, pk, field: str = "owner"):
        return self._get(field, User.objects.select_related("team"), pk)

    def currency(self, code, field: str = "currency"):
        if code is None:
            return None
        found = Currency.objects.filter(code=str(code).strip().upper()).first()
        if found is None:
            self.errors.setdefault(field, []).append(
                _("Select a valid choice. %(value)s is not one of the available choices.")
                % {"value": code}
            )
        return found

    def contacts(self, pks: list[int], field: str = "contacts") -> dict[int, Contact]:
        found = Contact.objects.visible_to(self.user).in_bulk(pks)
        if len(found) != len(set(pks)):
            self.errors.setdefault(field, []).append(_invalid_choice())
        return found

    def users(self, pks: list[int], field: str = "users") -> list[User]:
        """The users with these ids, in the order given; any unknown id is a field error."""
        found = User.objects.in_bulk(pks)
        if len(found) != len(set(pks)):
            self.errors.setdefault(field, []).append(_invalid_choice())
        return [found[pk] for pk in dict.fromkeys(pks) if pk in found]

    def contact_list(self, pks: list[int], field: str = "contacts") -> list[Contact]:
        """The visible contacts with these ids, in the order given (see `contacts`)."""
        found = self.contacts(pks, field=field)
        return [found[pk] for pk in dict.fromkeys(pks) if pk in found]

    def resolve_fields(self, data: dict, **kinds: str) -> dict:
        """Swap each id in `data` named in `kinds` (`parent="account"`) for its record.

        Only the fields present are looked up; all the misses are raised at once.
        """
        for field, kind in kinds.items():
            if field in data:
                data[field] = getattr(self, kind)(data[field], field=field)
        self.raise_errors()
        return data

    def raise_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
