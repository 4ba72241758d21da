"""E-mail pages: compose and send from an opportunity, upload .eml files to it, and the SMTP
settings page for administrators."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.errors import PermissionDeniedError, field_errors
from shangji.core.models import MailSettings
from shangji.core.views import service_errors_as_messages, service_errors_on_form
from shangji.opportunities.models import Opportunity

from . import services
from .forms import EmailComposeForm, EmailUploadForm, MailSettingsForm, MailTestForm


def opportunity_from_query(request) -> Opportunity:
    """The opportunity named by `?opportunity=<id>`: 404 unless the user may see it."""
    value = request.GET.get("opportunity") or request.POST.get("opportunity") or ""
    if not value.isdigit():
        raise Http404(_("Open this page from an opportunity."))
    return get_object_or_404(
        Opportunity.objects.visible_to(request.user).select_related("account"), pk=int(value)
    )


def contact_addresses(opportunity: Opportunity) -> list[str]:
    """The e-mail addresses of the opportunity's contacts, in the order they were added."""
    addresses: list[str] = []
    for role in opportunity.contact_roles.select_related("contact").order_by("id"):
        email = role.contact.email
        if email and email.lower() not in {known.lower() for known in addresses}:
            addresses.append(email)
    return addresses


class EmailComposeView(LoginRequiredMixin, View):
    """Write an e-mail to the opportunity's contacts and send it; it is logged on the page."""

    template_name = "activities/mail/compose.html"

    def _render(self, request, opportunity, form):
        row = MailSettings.current()
        context = {
            "opportunity": opportunity,
            "form": form,
            "opportunity_address": row.opportunity_address(opportunity.pk),
            "size_limit": services._size_limit(),
        }
        return render(request, self.template_name, context)

    def get(self, request):
        opportunity = opportunity_from_query(request)
        form = EmailComposeForm(initial={"to": ", ".join(contact_addresses(opportunity))})
        return self._render(request, opportunity, form)

    def post(self, request):
        opportunity = opportunity_from_query(request)
        form = EmailComposeForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            with service_errors_on_form(form):
                services.email_send(
                    actor=request.user,
                    opportunity=opportunity,
                    to=form.addresses(data["to"]),
                    cc=form.addresses(data["cc"]),
                    subject=data["subject"],
                    body_text=data["body"],
                    attachments=data["attachments"],
                )
                messages.success(request, _("The e-mail was sent and logged."))
                return redirect(opportunity.get_absolute_url())
        return self._render(request, opportunity, form)


class EmailUploadView(LoginRequiredMixin, View):
    """Log .eml files on an opportunity; reports each file: imported, already logged, failed."""

    template_name = "activities/mail/upload.html"

    def _render(self, request, opportunity, form, results=None):
        context = {
            "opportunity": opportunity,
            "form": form,
            "results": results,
            "size_limit": services._size_limit(),
            "message_limit": services.MAX_MESSAGE_BYTES,
        }
        return render(request, self.template_name, context)

    def get(self, request):
        opportunity = opportunity_from_query(request)
        return self._render(request, opportunity, EmailUploadForm())

    def post(self, request):
        opportunity = opportunity_from_query(request)
        form = EmailUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, opportunity, form)
        results = [
            self._import(request, opportunity, upload) for upload in form.cleaned_data["files"]
        ]
        return self._render(request, opportunity, EmailUploadForm(), results)

    @staticmethod
    def _import(request, opportunity, upload) -> dict:
        result = {"name": upload.name, "status": "failed", "messages": [], "activity": None}
        if upload.size > services.MAX_MESSAGE_BYTES:
            result["messages"] = [
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(services.MAX_MESSAGE_BYTES)}
            ]
            return result
        try:
            activity = services.email_import(
                actor=request.user, raw=upload.read(), opportunity=opportunity
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(str(error.message)) from error
        except ValidationError as error:
            result["messages"] = [m for found in field_errors(error).values() for m in found]
            return result
        result["activity"] = activity
        result["status"] = "duplicate" if activity.already_logged else "imported"
        return result


class AdminRequiredMixin(LoginRequiredMixin):
    """Signed-in administrators only; everyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_admin:
            raise PermissionDenied(_("Only administrators can change the e-mail settings."))
        return super().dispatch(request, *args, **kwargs)


def _default_server() -> str:
    """The server EMAIL_URL names, for the page (never the password)."""
    mailer = settings.MAILERS.get("default", {})
    backend = mailer.get("BACKEND", "").rsplit(".", 2)[-2] if mailer.get("BACKEND") else ""
    options = mailer.get("OPTIONS", {})
    if backend == "smtp":
        return f"smtp://{options.get('host')}:{options.get('port')}"
    return f"{backend}://" if backend else "—"


class MailSettingsView(AdminRequiredMixin, View):
    """The outgoing SMTP server, the sender, and the inbound addresses."""

    template_name = "activities/mail/settings.html"

    def _render(self, request, form):
        row = MailSettings.current()
        context = {
            "form": form,
            "test_form": MailTestForm(initial={"to": request.user.email}),
            "settings_row": row,
            "default_server": _default_server(),
            "has_password": bool(row.smtp_password),
            "example_address": row.opportunity_address(1),
        }
        return render(request, self.template_name, context)

    def get(self, request):
        return self._render(request, MailSettingsForm(instance=MailSettings.current()))

    def post(self, request):
        form = MailSettingsForm(request.POST, instance=MailSettings.current())
        if form.is_valid():
            with service_errors_on_form(form):
                services.mail_settings_update(actor=request.user, **form.changes())
                messages.success(request, _("The e-mail settings were saved."))
                return redirect("mail:settings")
        return self._render(request, form)


class MailTestView(AdminRequiredMixin, View):
    """Send a test e-mail with the saved settings; the result is shown on the settings page."""

    def post(self, request):
        form = MailTestForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("mail:settings")
        with service_errors_as_messages(request):
            services.mail_test_send(actor=request.user, to=form.cleaned_data["to"])
            messages.success(
                request,
                _("A test e-mail was sent to %(address)s.") % {"address": form.cleaned_data["to"]},
            )
        return redirect("mail:settings")
