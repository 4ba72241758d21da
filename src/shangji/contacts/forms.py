"""Forms of the contact pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.accounts.forms import owner_choices, user_label
from shangji.accounts.models import Account
from shangji.core.forms import ChosenOnlySelect, ServiceModelForm, VersionedEditMixin

from .models import Contact


class ContactForm(ServiceModelForm):
    """A contact's fields; the account is searched, the owner defaults to the signed-in user."""

    class Meta:
        model = Contact
        # Family name first: that is how Chinese names are written.
        fields = [
            "last_name",
            "first_name",
            "account",
            "title",
            "email",
            "phone",
            "mobile",
            "owner",
            "description",
        ]
        widgets = {
            "account": ChosenOnlySelect,
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.order_by("name", "id")
        self.fields["owner"].queryset = owner_choices(self.instance.owner_id)
        self.fields["owner"].label_from_instance = user_label
        self.required_by_service("last_name")


class ContactEditForm(VersionedEditMixin, ContactForm):
    """The contact form with the version the page was read at."""


class ContactOptionsForm(forms.Form):
    """`?account=&q=` of the contact `<option>` fragment."""

    account = forms.IntegerField(required=False, min_value=1, label=_("Account"))
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
