"""Forms of the contact pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.accounts.forms import owner_choices, user_label
from shangji.accounts.models import Account
from shangji.core.forms import ChosenOnlySelect

from .models import Contact


class ContactForm(forms.ModelForm):
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
        # The service reports a missing family name with the model's message.
        self.fields["last_name"].required = False
        self.fields["last_name"].widget.attrs["required"] = True

    def _post_clean(self):
        # The service validates the model; the form only parses the input.
        pass


class ContactEditForm(ContactForm):
    """The contact form with the version the page was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta(ContactForm.Meta):
        pass

    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ContactOptionsForm(forms.Form):
    """`?account=&q=` of the contact `<option>` fragment."""

    account = forms.IntegerField(required=False, min_value=1, label=_("Account"))
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
