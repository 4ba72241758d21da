"""Forms of the account pages: they parse input; the services decide."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.forms import ChosenOnlySelect, ServiceModelForm, VersionedEditMixin
from shangji.users.models import User

from .models import Account


def owner_choices(current_owner_id=None):
    """Active users, and the current owner even if deactivated since."""
    condition = Q(is_active=True)
    if current_owner_id:
        condition |= Q(pk=current_owner_id)
    return User.objects.filter(condition)


def user_label(user) -> str:
    return user.display_name


class AccountForm(ServiceModelForm):
    """An account's fields; the owner defaults to the signed-in user."""

    class Meta:
        model = Account
        fields = [
            "name",
            "industry",
            "owner",
            "phone",
            "email",
            "website",
            "employees",
            "annual_revenue",
            "parent",
            "address",
            "description",
        ]
        widgets = {
            "parent": ChosenOnlySelect,
            "address": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(self.instance.owner_id)
        self.fields["owner"].label_from_instance = user_label
        parents = Account.objects.order_by("name", "id")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "—"
        self.required_by_service("name")


class AccountEditForm(VersionedEditMixin, AccountForm):
    """The account form with the version the page was read at."""


class OptionSearchForm(forms.Form):
    """The `?q=` of the `<option>` fragments."""

    q = forms.CharField(required=False, max_length=100, label=_("Search"))
