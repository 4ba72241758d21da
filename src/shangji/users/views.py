from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ProfileForm
from .services import notifications_mark_read


class UserLoginView(auth_views.LoginView):
    template_name = "users/login.html"
    redirect_authenticated_user = True


class UserLogoutView(auth_views.LogoutView):
    pass


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
    return render(request, "users/profile.html", {"form": form})


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
