import zoneinfo

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from shangji.core.forms import ServiceModelForm

from .models import ApiToken, Organization, User

COMMON_TIME_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "UTC",
]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=[])

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "time_zone"]
        labels = {"first_name": _("given name"), "last_name": _("family name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_TIME_ZONES)
        if self.instance.time_zone not in zones:
            zones.insert(0, self.instance.time_zone)
        self.fields["time_zone"].choices = [(zone, zone) for zone in zones]

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Unknown time zone.")) from None
        return value


class ApiKeyForm(forms.ModelForm):
    """A new API key on the profile page (users.services.api_token_create saves it)."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. ERP sync")


class OrganizationForm(ServiceModelForm):
    """The organisation settings page (users.services.organization_update saves it)."""

    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("fiscal year starts in month"),
        choices=list(MONTHS.items()),
        coerce=int,
        help_text=_("Quarters and years of quotas and forecasts follow it."),
    )

    class Meta:
        model = Organization
        fields = ["name", "everyone_reads_all", "account_required", "fiscal_year_start_month"]
