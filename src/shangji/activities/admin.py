"""Activities in the admin: read-only, for support. Writes go through the pages and the API,
whose services keep reminders, attachments' files and the audit fields in step."""

from django.contrib import admin

from .models import Activity, ActivityParticipant, Attachment, Reminder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ParticipantInline(admin.TabularInline):
    model = ActivityParticipant
    fields = ["user", "contact"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(ParticipantInline):
    model = Attachment
    fields = ["filename", "content_type", "size", "created_at"]


class ReminderInline(ParticipantInline):
    model = Reminder
    fields = ["recipient", "minutes_before", "remind_at", "status", "sent_at", "last_error"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "subject", "status", "owner", "opportunity", "account"]
    list_filter = ["kind", "status"]
    list_select_related = ["owner", "opportunity", "account"]
    search_fields = ["subject", "body"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["owner", "opportunity", "account", "contact", "lead"]
    inlines = [ParticipantInline, AttachmentInline, ReminderInline]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["remind_at", "activity", "recipient", "minutes_before", "status", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["activity", "recipient"]
