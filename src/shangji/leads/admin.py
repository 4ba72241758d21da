"""Leads in the admin: read-only, for support. Writes go through the pages and the API, whose
services keep the status rules, the version and the notifications in step."""

from django.contrib import admin

from shangji.activities.admin import ReadOnlyAdmin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "source", "owner", "created_at"]
    list_filter = ["status", "source"]
    list_select_related = ["owner"]
    search_fields = ["last_name", "first_name", "company", "email", "external_id"]
    date_hierarchy = "created_at"
    raw_id_fields = [
        "owner",
        "converted_by",
        "converted_account",
        "converted_contact",
        "converted_opportunity",
    ]
