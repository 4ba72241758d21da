"""Imports in the admin: read-only, for support. Imports are run from the Import pages."""

from django.contrib import admin

from .models import ImportJob, ImportMapping


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "original_name", "status", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_by", "updated_at"]
    list_filter = ["kind"]
