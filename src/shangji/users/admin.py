from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Organization, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active"]
    list_select_related = ["team"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Shangji"), {"fields": ("role", "team", "language", "time_zone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Shangji"), {"fields": ("first_name", "last_name", "email", "role", "team")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    list_select_related = ["manager"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "everyone_reads_all", "account_required", "fiscal_year_start_month"]

    def has_add_permission(self, request):
        return not Organization.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "scope", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "token_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # tokens are created by `shangji token create` or the API, shown once
