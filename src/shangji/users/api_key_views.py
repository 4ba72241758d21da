"""API keys on the pages: create and revoke one's own (profile), all of them (administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shangji.core.errors import PermissionDeniedError

from .forms import ApiKeyForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke


@never_cache
@login_required
@require_POST
def api_key_create_view(request):
    """Create a key for oneself and show it, this once."""
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("users:profile")
    token, raw = api_token_create(user=request.user, **form.cleaned_data)
    return render(request, "users/api_key_created.html", {"token": token, "raw_key": raw})


@login_required
@require_POST
def api_key_revoke_view(request, pk: int):
    """Revoke a key: one's own, or anyone's for an administrator."""
    token = ApiToken.objects.active().visible_to(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404()
    try:
        api_token_revoke(token=token, actor=request.user)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The API key “%(name)s” is revoked.") % {"name": token.name})
    if request.POST.get("next") == "all" and request.user.is_admin:
        return redirect("users:api_key_list")
    return redirect("users:profile")


@login_required
def api_key_list_view(request):
    """Every user's live API keys (administrators only)."""
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators can see every API key."))
    tokens = ApiToken.objects.active().select_related("user").order_by("user__username", "-id")
    return render(request, "users/api_key_list.html", {"tokens": tokens})
