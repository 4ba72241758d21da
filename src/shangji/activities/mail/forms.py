"""Forms of the e-mail pages: compose, upload .eml files, SMTP settings, test e-mail."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.forms import ServiceModelForm
from shangji.core.models import MailSettings


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one <input type=file multiple>; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(item, initial) for item in items]


class EmailComposeForm(forms.Form):
    to = forms.CharField(
        label=_("To"),
        max_length=2000,
        help_text=_("Separate several addresses with commas."),
    )
    cc = forms.CharField(label=_("Cc"), max_length=2000, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 12}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    @staticmethod
    def addresses(value: str) -> list[str]:
        return [value.replace(";", ",")] if value.strip() else []


class EmailUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("E-mail files (.eml)"),
        widget=MultipleFileInput(attrs={"accept": ".eml,message/rfc822"}),
        help_text=_("Save the e-mail from your mail program as .eml; you can pick several."),
    )


class MailSettingsForm(ServiceModelForm):
    smtp_password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password."),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)

    class Meta:
        model = MailSettings
        fields = [
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "from_address",
            "inbound_domain",
            "inbound_address",
        ]

    def changes(self) -> dict:
        """The cleaned fields for `mail_settings_update`; None keeps the stored password."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.cleaned_data.get("clear_password"):
            data["smtp_password"] = ""
        elif not data["smtp_password"]:
            data["smtp_password"] = None
        return data


class MailTestForm(forms.Form):
    to = forms.EmailField(label=_("Send a test e-mail to"))
