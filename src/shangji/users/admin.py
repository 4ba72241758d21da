from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from shangji.audit.choices import AuditAction
from shangji.audit.forms import ThrottledAdminAuthenticationForm
from shangji.audit.services import audit_record, audit_user_access_changes, user_access_snapshot

from .models import ApiToken, Organization, Team, User

admin.site.login_form = ThrottledAdminAuthenticationForm  # the same sign-in throttle as /login/


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

    # The audit log gets the role and access as they were before and after the whole change
    # (groups and permissions are saved after the user); the admin runs both in one transaction.
    def save_model(self, request, obj, form, change):
        obj._access_before = user_access_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the form was saved
            user = User.objects.get(pk=id)
            audit_record(action=AuditAction.PASSWORD_CHANGED, actor=request.user, target=user)
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        after = user_access_snapshot(user)
        if user._access_before is None:
            audit_record(
                action=AuditAction.USER_CREATED, actor=request.user, target=user, details=after
            )
        else:
            audit_user_access_changes(
                actor=request.user, user=user, before=user._access_before, after=after
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    list_select_related = ["manager"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "manager" in form.changed_data:  # the new manager sees the team's deals
            old = User.objects.filter(pk=form.initial.get("manager")).first()
            audit_record(
                action=AuditAction.PERMISSION_CHANGED,
                actor=request.user,
                target=obj,
                details={"manager": {"old": str(old or ""), "new": str(obj.manager or "")}},
            )


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
