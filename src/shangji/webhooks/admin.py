"""Change events and webhook deliveries in the admin: read-only, for support."""

from django.contrib import admin

from .models import ChangeEvent, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "entity_id", "action", "actor", "occurred_at", "txid"]
    list_filter = ["kind", "action"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "webhook", "event_name", "status", "attempts", "response_code"]
    list_filter = ["status", "event_name"]
    exclude = ["body"]
