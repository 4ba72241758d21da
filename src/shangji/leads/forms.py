"""Forms of the lead pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.accounts.forms import owner_choices, user_label
from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.forms import ServiceModelForm, VersionedEditMixin
from shangji.core.models import Currency
from shangji.opportunities.choices import LeadSource
from shangji.opportunities.forms import StageChoiceField, UserChoiceField
from shangji.opportunities.models import Stage
from shangji.users.models import User

from .choices import ActivityHandling, LeadStatus
from .models import Lead

# The statuses a person may set; Converted comes only from converting.
SETTABLE_STATUSES = [choice for choice in LeadStatus.choices if choice[0] != LeadStatus.CONVERTED]


class LeadForm(ServiceModelForm):
    """A lead's fields; an empty owner leaves it unassigned."""

    class Meta:
        model = Lead
        # Family name first: that is how Chinese names are written.
        fields = [
            "last_name",
            "first_name",
            "company",
            "title",
            "email",
            "phone",
            "mobile",
            "source",
            "status",
            "owner",
            "description",
        ]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = SETTABLE_STATUSES
        self.fields["owner"].queryset = owner_choices(self.instance.owner_id)
        self.fields["owner"].label_from_instance = user_label
        self.fields["owner"].empty_label = _("Unassigned")
        self.fields["owner"].help_text = _("A new lead given to someone else becomes Assigned.")


class LeadEditForm(VersionedEditMixin, LeadForm):
    """The lead form with the version the page was read at."""


class LeadAssignForm(forms.Form):
    owner = UserChoiceField(queryset=User.objects.filter(is_active=True), label=_("owner"))
    version = forms.IntegerField(widget=forms.HiddenInput)


NEW, EXISTING = "new", "existing"


class LeadConvertForm(forms.Form):
    """The conversion page: account, contact, an optional opportunity, and the activities.

    The account and contact selects show the possible duplicates first (set by the view) and
    are refilled by a search box; validation runs against every account and contact.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    account_action = forms.ChoiceField(
        label=_("account"),
        choices=[(NEW, _("Create a new account")), (EXISTING, _("Use an existing account"))],
        widget=forms.RadioSelect,
    )
    new_account_name = forms.CharField(label=_("new account name"), max_length=255, required=False)
    account = forms.ModelChoiceField(
        queryset=Account.objects.all(), label=_("existing account"), required=False
    )
    contact_action = forms.ChoiceField(
        label=_("contact"),
        choices=[(NEW, _("Create a new contact")), (EXISTING, _("Use an existing contact"))],
        widget=forms.RadioSelect,
    )
    new_contact_last_name = forms.CharField(label=_("family name"), max_length=100, required=False)
    new_contact_first_name = forms.CharField(label=_("given name"), max_length=100, required=False)
    new_contact_title = forms.CharField(label=_("job title"), max_length=100, required=False)
    new_contact_email = forms.EmailField(label=_("e-mail"), required=False)
    new_contact_phone = forms.CharField(label=_("phone"), max_length=50, required=False)
    new_contact_mobile = forms.CharField(label=_("mobile"), max_length=50, required=False)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.all(), label=_("existing contact"), required=False
    )
    create_opportunity = forms.BooleanField(label=_("Create an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("name"), max_length=255, required=False)
    opportunity_amount = forms.DecimalField(
        label=_("amount"),
        max_digits=18,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    opportunity_currency = forms.ModelChoiceField(
        queryset=Currency.objects.filter(is_active=True), label=_("currency"), required=False
    )
    opportunity_close_date = forms.DateField(
        label=_("expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    opportunity_stage = StageChoiceField(
        queryset=Stage.objects.active()
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position"),
        label=_("sales stage"),
        required=False,
    )
    opportunity_owner = UserChoiceField(
        queryset=User.objects.filter(is_active=True), label=_("owner"), required=False
    )
    opportunity_lead_source = forms.ChoiceField(
        label=_("lead source"), choices=[("", "—"), *LeadSource.choices], required=False
    )
    activities = forms.ChoiceField(
        label=_("the lead's activities"),
        choices=ActivityHandling.choices,
        initial=ActivityHandling.MOVE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stages = self.fields["opportunity_stage"]
        stages.show_pipeline = len({stage.pipeline_id for stage in stages.queryset}) > 1

    def show_options(self, *, accounts, contacts, users) -> None:
        """Render only these accounts, contacts and owners (validation still takes any)."""
        self.fields["account"].widget.choices = [("", "—")] + [
            (account.pk, account.name) for account in accounts
        ]
        self.fields["contact"].widget.choices = [("", "—")] + [
            (contact.pk, contact_label(contact)) for contact in contacts
        ]
        self.fields["opportunity_owner"].widget.choices = [
            (user.pk, user.display_name) for user in users
        ]

    def service_arguments(self) -> dict:
        """The keyword arguments of lead_convert (without lead, actor and version)."""
        data = self.cleaned_data
        arguments: dict = {"activities": data["activities"]}
        if data["account_action"] == NEW:
            arguments["new_account"] = {"name": data["new_account_name"]}
        else:
            arguments["account"] = data["account"]
        if data["contact_action"] == NEW:
            arguments["new_contact"] = {
                name: data[f"new_contact_{name}"] or ""
                for name in ("last_name", "first_name", "title", "email", "phone", "mobile")
            }
        else:
            arguments["contact"] = data["contact"]
        if data["create_opportunity"]:
            opportunity = {
                name: data[f"opportunity_{name}"]
                for name in ("name", "amount", "currency", "close_date", "stage", "lead_source")
            }
            if data["opportunity_owner"] is not None:
                opportunity["owner"] = data["opportunity_owner"]
            arguments["opportunity"] = opportunity
        return arguments


def contact_label(contact: Contact) -> str:
    """王芳 · 新城百货 · wangfang@example.com: enough to tell two contacts apart."""
    parts = [contact.full_name, contact.account.name, contact.email or contact.mobile]
    return " · ".join(part for part in parts if part)
