import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shangji.audit.choices import AuditAction
from shangji.audit.forms import ThrottledAuthenticationForm
from shangji.audit.services import audit_record
from shangji.core.views import service_errors_on_form

from .calendar import calendar_feed
from .forms import ApiKeyForm, OrganizationForm, ProfileForm
from .models import Organization, User
from .notifications import notifications_since
from .services import (
    calendar_token_reset,
    calendar_token_revoke,
    notifications_mark_read,
    organization_update,
)

HTMX_STOP_POLLING = 286


class UserLoginView(auth_views.LoginView):
    template_name = "users/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm  # locks, and logs every sign-in


class UserLogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_record(action=AuditAction.LOGOUT, actor=request.user, target=request.user)
        return super().post(request, *args, **kwargs)


@login_required
def profile_edit_view(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your settings are saved."))
        response = redirect("users:profile")
        if user.language:
            response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    token = request.user.calendar_token
    calendar_url = (
        request.build_absolute_uri(reverse("users:calendar_feed", args=[token])) if token else ""
    )
    context = {
        "form": form,
        "calendar_url": calendar_url,
        "api_keys": request.user.api_tokens.active(),
        "api_key_form": ApiKeyForm(),
    }
    return render(request, "users/profile.html", context)


@login_required
def notification_list_view(request):
    notifications = list(request.user.notifications.select_related("actor")[:100])
    return render(request, "users/notification_list.html", {"notifications": notifications})


@login_required
@require_POST
def notification_mark_read_view(request):
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    notifications_mark_read(user=request.user, ids=ids)
    return redirect("users:notification_list")


def _parse_since(value: str | None) -> datetime.datetime | None:
    try:
        since = datetime.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return since if timezone.is_aware(since) else None


@never_cache
@require_GET
def notification_poll_view(request):
    """htmx polls this: the unread badge, and a toast for each notification since the last poll."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    since = _parse_since(request.GET.get("since"))
    new = notifications_since(request.user, since)
    cursor = max([since or timezone.now(), *(n.created_at for n in new)])
    unread = request.user.notifications.filter(read_at__isnull=True).count()
    context = {
        "new_notifications": new,
        "since": cursor.isoformat(),
        "unread_notifications": unread,
    }
    return render(request, "users/partials/notification_poll.html", context)


@login_required
@require_POST
def calendar_token_reset_view(request):
    calendar_token_reset(user=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("users:profile")


@login_required
@require_POST
def calendar_token_revoke_view(request):
    calendar_token_revoke(user=request.user)
    messages.success(request, _("Your calendar address is switched off."))
    return redirect("users:profile")


@never_cache
@require_GET
def calendar_feed_view(request, token: str):
    """The iCalendar feed; the secret in the address is the only credential."""
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404()
    with translation.override(user.language or translation.get_language()):
        body = calendar_feed(
            user,
            host=request.get_host().split(":")[0],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shangji.ics"'
    return response


@login_required
def organization_settings_view(request):
    """The organisation settings (administrators only)."""
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators can change the organisation settings."))
    form = OrganizationForm(request.POST or None, instance=Organization.current())
    if request.method == "POST" and form.is_valid():
        with service_errors_on_form(form):
            organization_update(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The organisation settings were saved."))
            return redirect("users:organization_settings")
    return render(request, "users/organization_settings.html", {"form": form})
