"""Saved view actions on list pages: save this view, rename, delete, make my default."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.views import service_errors_as_messages

from . import services
from .forms import RenameForm, SavedViewForm
from .lists import spec_of
from .models import SavedView
from .selectors import saved_views_visible


def _visible(request, pk: int) -> SavedView:
    view = saved_views_visible(request.user).filter(pk=pk).first()
    if view is None:
        raise Http404
    return view


def _list_url(view: SavedView, *, with_view: bool = True) -> str:
    if with_view:
        return view.get_absolute_url()
    return reverse(spec_of(view.list).url_name) + "?view=standard"


@login_required
@require_POST
def saved_view_save_view(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        list_name = request.POST.get("list") or "opportunities"
        return redirect(reverse((spec_of(list_name) or spec_of("opportunities")).url_name))
    data = dict(form.cleaned_data)
    list_name = data.pop("list")
    existing = SavedView.objects.filter(
        owner=request.user, list=list_name, name=data["name"].strip()
    ).first()
    with service_errors_as_messages(request):
        if existing:
            view = services.saved_view_update(view=existing, actor=request.user, **data)
        else:
            view = services.saved_view_create(owner=request.user, list_name=list_name, **data)
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(view.get_absolute_url())
    return redirect(reverse(spec_of(list_name).url_name) + "?" + data["query"])


@login_required
@require_POST
def saved_view_rename_view(request, pk):
    view = _visible(request, pk)
    form = RenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A view needs a name."))
        return redirect(_list_url(view))
    with service_errors_as_messages(request):
        view = services.saved_view_update(
            view=view, actor=request.user, name=form.cleaned_data["name"]
        )
        messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(view))


@login_required
@require_POST
def saved_view_delete_view(request, pk):
    view = _visible(request, pk)
    with service_errors_as_messages(request):
        services.saved_view_delete(view=view, actor=request.user)
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
        return redirect(_list_url(view, with_view=False))
    return redirect(_list_url(view))


@login_required
@require_POST
def saved_view_default_view(request, pk):
    view = _visible(request, pk)
    make_default = request.POST.get("is_default", "1") == "1"
    with service_errors_as_messages(request):
        view = services.saved_view_update(view=view, actor=request.user, is_default=make_default)
        if make_default:
            message = _("“%(name)s” now opens when you open the list.")
        else:
            message = _("“%(name)s” is no longer your default view.")
        messages.success(request, message % {"name": view.name})
    return redirect(_list_url(view))
