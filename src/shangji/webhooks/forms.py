"""Forms of the webhook settings pages: they parse; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import WEBHOOK_EVENTS


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        widget=forms.URLInput(attrs={"required": True, "placeholder": "https://"}),
        help_text=_("Shangji POSTs signed JSON here (http:// or https://)."),
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WEBHOOK_EVENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    @classmethod
    def initial_of(cls, webhook) -> dict:
        return {
            "name": webhook.name,
            "url": webhook.url,
            "events": webhook.events,
            "is_active": webhook.is_active,
        }
