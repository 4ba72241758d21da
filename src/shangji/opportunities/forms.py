"""The opportunity form (create and edit) and the small forms of the detail page."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.core.forms import ChosenOnlySelect
from shangji.core.models import Currency
from shangji.users.models import User

from .choices import ContactRole, ForecastCategory, LeadSource, OpportunityType, StageKind
from .models import Competitor, Opportunity, Stage


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage):
        return f"{stage.pipeline.label} · {stage.label}" if self.show_pipeline else stage.label

    show_pipeline = False


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.display_name


class OpportunityForm(forms.ModelForm):
    """Create or edit an opportunity; a new account and contact can be created inline."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.order_by("-updated_at", "id"),
        required=False,
        label=_("account"),
        widget=ChosenOnlySelect,
    )
    new_account_name = forms.CharField(label=_("new account name"), required=False, max_length=255)
    new_account_industry = forms.CharField(label=_("industry"), required=False, max_length=100)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label=_("contact"), widget=ChosenOnlySelect
    )
    contact_role = forms.ChoiceField(
        label=_("role"),
        choices=ContactRole.choices,
        initial=ContactRole.PRIMARY_DECISION_MAKER,
        required=False,
    )
    new_contact_last_name = forms.CharField(label=_("family name"), required=False, max_length=100)
    new_contact_first_name = forms.CharField(label=_("given name"), required=False, max_length=100)
    new_contact_title = forms.CharField(label=_("job title"), required=False, max_length=100)
    new_contact_email = forms.EmailField(label=_("e-mail"), required=False)
    new_contact_phone = forms.CharField(label=_("phone"), required=False, max_length=50)
    currency = forms.ModelChoiceField(
        queryset=Currency.objects.filter(is_active=True), label=_("currency")
    )
    stage = StageChoiceField(
        queryset=Stage.objects.active()
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position"),
        label=_("sales stage"),
    )
    probability = forms.IntegerField(
        label=_("probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to take the stage's probability."),
    )
    forecast_category = forms.ChoiceField(
        label=_("forecast category"),
        required=False,
        choices=[("", _("From the stage"))] + list(ForecastCategory.choices),
    )
    owner = UserChoiceField(queryset=User.objects.filter(is_active=True), label=_("owner"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Opportunity
        # probability, forecast_category and account are declared above and left out here:
        # blank means "from the stage", which the service decides, not model validation.
        fields = [
            "name",
            "amount",
            "currency",
            "close_date",
            "stage",
            "owner",
            "type",
            "lead_source",
            "priority",
            "next_step",
            "campaign",
            "description",
            "lost_reason",
        ]
        widgets = {
            "close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        self.fields["stage"].show_pipeline = (
            len({stage.pipeline_id for stage in self.fields["stage"].queryset}) > 1
        )
        if editing:
            self.initial["forecast_category"] = (
                self.instance.forecast_category
                if self.instance.forecast_category_overridden
                else ""
            )
            self.initial["version"] = self.instance.version
            self.initial["account"] = self.instance.account_id
            for name in [n for n in self.fields if n.startswith(("new_contact", "contact"))]:
                del self.fields[name]
        else:
            del self.fields["lost_reason"]
            if "stage" not in self.initial:  # a new deal starts at the first stage
                self.initial["stage"] = (
                    Stage.objects.active()
                    .filter(pipeline__is_default=True, kind=StageKind.OPEN)
                    .order_by("position")
                    .first()
                )
        if "contact" in self.fields:
            # A contact picked from the list belongs to the chosen account.
            account_id = self._value("account")
            self.fields["contact"].queryset = (
                Contact.objects.filter(account_id=account_id).order_by("last_name", "id")
                if account_id
                else Contact.objects.none()
            )
            self.fields["contact"].label_from_instance = lambda contact: contact.full_name
            self.fields["contact"].widget.attrs.update(
                {
                    "hx-get": reverse("contacts:contact_options") + "?blank=1",
                    "hx-trigger": "change from:#id_account",
                    "hx-include": "#id_account",
                }
            )
        self.fields["owner"].widget.choices = [
            (owner.pk, owner.display_name) for owner in self.fields["owner"].queryset
        ]

    def _value(self, name) -> int | None:
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        return int(value) if str(value or "").isdigit() else None

    def clean(self):
        cleaned = super().clean()
        # On edit, typing a new account replaces the current one unless another was picked too.
        picked = "account" in self.changed_data or self.instance.pk is None
        if picked and cleaned.get("account") and cleaned.get("new_account_name"):
            self.add_error(
                "new_account_name", _("Choose an existing account or create a new one, not both.")
            )
        has_new_contact = any(
            cleaned.get(f"new_contact_{part}")
            for part in ("last_name", "first_name", "email", "phone", "title")
        )
        if has_new_contact and not cleaned.get("new_contact_last_name"):
            self.add_error("new_contact_last_name", _("A new contact needs a family name."))
        return cleaned

    def service_arguments(self) -> dict:
        """The keyword arguments for opportunity_create / opportunity_update."""
        data = self.cleaned_data
        editing = self.instance.pk is not None
        names = [
            name
            for name in (*self.Meta.fields, "probability", "forecast_category")
            if name in self.fields
        ]
        if editing:
            names = [name for name in names if name in self.changed_data]
            if "account" in self.changed_data and not data.get("new_account_name"):
                names.append("account")
        arguments = {name: data.get(name) for name in names}
        for name in (
            "type",
            "lead_source",
            "priority",
            "next_step",
            "campaign",
            "description",
            "lost_reason",
            "forecast_category",
        ):
            if name in arguments and arguments[name] is None:
                arguments[name] = ""
        if not arguments.get("forecast_category"):
            arguments.pop("forecast_category", None)
        if arguments.get("probability") is None:
            arguments.pop("probability", None)
        if data.get("new_account_name"):
            arguments["new_account"] = {
                "name": data["new_account_name"],
                "industry": data.get("new_account_industry") or "",
            }
        if editing:
            return arguments
        arguments["account"] = data.get("account")
        if data.get("new_contact_last_name"):
            arguments["new_contact"] = {
                "last_name": data["new_contact_last_name"],
                "first_name": data.get("new_contact_first_name") or "",
                "title": data.get("new_contact_title") or "",
                "email": data.get("new_contact_email") or "",
                "phone": data.get("new_contact_phone") or "",
                "role": data.get("contact_role") or ContactRole.PRIMARY_DECISION_MAKER,
            }
        elif data.get("contact"):
            arguments["contacts"] = [
                (data["contact"], data.get("contact_role") or ContactRole.PRIMARY_DECISION_MAKER)
            ]
        return arguments


class ContactRoleForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), label=_("contact"))
    role = forms.ChoiceField(choices=ContactRole.choices, label=_("role"))


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["name", "strengths", "weaknesses"]
        widgets = {
            "strengths": forms.Textarea(attrs={"rows": 2}),
            "weaknesses": forms.Textarea(attrs={"rows": 2}),
        }


class AssignForm(forms.Form):
    owner = UserChoiceField(queryset=User.objects.filter(is_active=True), label=_("owner"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class StageMoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.active())
    version = forms.IntegerField()
    lost_reason = forms.CharField(required=False, max_length=255)


class IdListField(forms.Field):
    """The ids of the rows ticked on the list (?ids=1&ids=2)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(pk) for pk in value or []]
        except (TypeError, ValueError):
            raise ValidationError(_("Select valid opportunities.")) from None


class BulkStageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage):
        if stage.pipeline.is_default:
            return stage.label
        return f"{stage.pipeline.label} · {stage.label}"


def _no_change(choices) -> list:
    return [("", _("— no change —")), *choices]


class BulkUpdateForm(forms.Form):
    """The list's bulk update: which rows (ticked or all matching), and what to change."""

    scope = forms.ChoiceField(
        choices=[("selected", _("The ticked rows")), ("all", _("All matching the filters"))],
        initial="selected",
        widget=forms.RadioSelect,
    )
    ids = IdListField(required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    owner = UserChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        empty_label=_("— no change —"),
        label=_("owner"),
    )
    stage = BulkStageChoiceField(
        queryset=Stage.objects.active().select_related("pipeline"),
        required=False,
        empty_label=_("— no change —"),
        label=_("sales stage"),
    )
    lost_reason = forms.CharField(
        label=_("lost reason (moving to a lost stage)"), required=False, max_length=255
    )
    close_date = forms.DateField(
        label=_("expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    type = forms.ChoiceField(
        label=_("type"), required=False, choices=_no_change(OpportunityType.choices)
    )
    lead_source = forms.ChoiceField(
        label=_("lead source"), required=False, choices=_no_change(LeadSource.choices)
    )
    forecast_category = forms.ChoiceField(
        label=_("forecast category"), required=False, choices=_no_change(ForecastCategory.choices)
    )

    CHANGE_FIELDS = (
        "owner",
        "stage",
        "lost_reason",
        "close_date",
        "type",
        "lead_source",
        "forecast_category",
    )

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("ids"):
            raise ValidationError(
                _("Tick at least one opportunity, or choose all matching the filters.")
            )
        return data

    def changes(self) -> dict:
        """The fields given a value: only those change."""
        return {
            name: self.cleaned_data[name]
            for name in self.CHANGE_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }
