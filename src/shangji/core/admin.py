from django.contrib import admin
from django.shortcuts import redirect

from .models import Currency, ExchangeRate, MailSettings


class ExchangeRateInline(admin.TabularInline):
    model = ExchangeRate
    extra = 1
    ordering = ["-valid_from"]


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "symbol", "decimal_places", "is_active"]
    list_editable = ["is_active"]
    inlines = [ExchangeRateInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "valid_from", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "valid_from"


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    """The single settings row is edited on its own page (password kept, test e-mail)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return getattr(request.user, "is_admin", False)

    def has_change_permission(self, request, obj=None):
        return getattr(request.user, "is_admin", False)

    def changelist_view(self, request, extra_context=None):
        return redirect("mail:settings")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("mail:settings")
