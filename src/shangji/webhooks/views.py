"""Settings pages for webhooks: the list, the form, the delivery log and its actions (admins)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.views import service_errors_as_messages, service_errors_on_form

from . import selectors, services
from .choices import WEBHOOK_EVENTS
from .forms import WebhookForm
from .models import Webhook, WebhookDelivery

EVENT_LABELS = dict(WEBHOOK_EVENTS)
DELIVERIES_PER_PAGE = 50


class AdminRequiredMixin(LoginRequiredMixin):
    """Signed-in administrators only; everyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_admin:
            raise PermissionDenied(_("Only administrators can manage webhooks."))
        return super().dispatch(request, *args, **kwargs)


class WebhookListView(AdminRequiredMixin, View):
    def get(self, request):
        webhooks = list(selectors.webhook_list())
        for webhook in webhooks:
            webhook.event_labels = [EVENT_LABELS.get(name, name) for name in webhook.events]
        return render(request, "webhooks/webhook_list.html", {"webhooks": webhooks})


class WebhookCreateView(AdminRequiredMixin, View):
    template_name = "webhooks/webhook_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": WebhookForm()})

    def post(self, request):
        form = WebhookForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                webhook = services.webhook_create(actor=request.user, **form.cleaned_data)
                messages.success(
                    request,
                    _("Webhook created. Copy its secret to verify the signatures of deliveries."),
                )
                return redirect("webhooks:webhook_detail", webhook.pk)
        return render(request, self.template_name, {"form": form})


class WebhookEditView(AdminRequiredMixin, View):
    template_name = "webhooks/webhook_form.html"

    def get(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        form = WebhookForm(initial=WebhookForm.initial_of(webhook))
        return render(request, self.template_name, {"form": form, "webhook": webhook})

    def post(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        form = WebhookForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                services.webhook_update(webhook=webhook, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Webhook saved."))
                return redirect("webhooks:webhook_detail", webhook.pk)
        return render(request, self.template_name, {"form": form, "webhook": webhook})


class WebhookDetailView(AdminRequiredMixin, View):
    """The webhook, its secret and its delivery log (newest first, with every attempt)."""

    def get(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook.objects.select_related("created_by"), pk=webhook_id)
        page = Paginator(selectors.delivery_list(webhook=webhook), DELIVERIES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context = {
            "webhook": webhook,
            "event_labels": [EVENT_LABELS.get(name, name) for name in webhook.events],
            "page": page,
        }
        return render(request, "webhooks/webhook_detail.html", context)


class WebhookDeleteView(AdminRequiredMixin, View):
    def get(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        return render(request, "webhooks/webhook_delete.html", {"webhook": webhook})

    def post(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        with service_errors_as_messages(request):
            services.webhook_delete(webhook=webhook, actor=request.user)
            messages.success(request, _("Webhook deleted."))
        return redirect("webhooks:webhook_list")


class WebhookRotateSecretView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        with service_errors_as_messages(request):
            services.webhook_rotate_secret(webhook=webhook, actor=request.user)
            messages.success(
                request, _("New secret made. Deliveries from now on are signed with it.")
            )
        return redirect("webhooks:webhook_detail", webhook.pk)


class WebhookTestView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, webhook_id: int):
        webhook = get_object_or_404(Webhook, pk=webhook_id)
        with service_errors_as_messages(request):
            services.webhook_send_test(webhook=webhook, actor=request.user)
            messages.success(request, _("Test event queued; its delivery shows below."))
        return redirect("webhooks:webhook_detail", webhook.pk)


class DeliveryRedeliverView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, delivery_id: int):
        delivery = get_object_or_404(
            WebhookDelivery.objects.select_related("webhook"), pk=delivery_id
        )
        with service_errors_as_messages(request):
            services.delivery_redeliver(delivery=delivery, actor=request.user)
            messages.success(request, _("Delivery queued again."))
        return redirect("webhooks:webhook_detail", delivery.webhook_id)
