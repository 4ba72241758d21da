"""Account pages: thin views over the account services and selectors."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.errors import ConflictError, PermissionDeniedError
from shangji.core.permissions import may_edit
from shangji.core.views import add_service_errors

from .filters import AccountFilter
from .forms import AccountEditForm, AccountForm, OptionSearchForm
from .models import Account
from .selectors import account_detail_get, account_list, account_options
from .services import account_create, account_update


class AccountListView(LoginRequiredMixin, View):
    def get(self, request):
        filterset = AccountFilter(
            request.GET, queryset=account_list(user=request.user), request=request
        )
        page = filterset.page(request.GET.get("cursor"))
        sort, _field, _descending = filterset.sort_order()
        return render(
            request,
            "accounts/account_list.html",
            {"filter": filterset, "page": page, "sort": sort},
        )


class AccountDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        detail = account_detail_get(user=request.user, account_id=pk)
        return render(
            request,
            "accounts/account_detail.html",
            {"detail": detail, "account": detail.account},
        )


class AccountCreateView(LoginRequiredMixin, View):
    template_name = "accounts/account_form.html"

    def get(self, request):
        form = AccountForm(initial={"owner": request.user.pk})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = AccountForm(request.POST)
        if form.is_valid():
            try:
                account = account_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Account “%(name)s” created.") % {"name": account.name})
                return redirect(account)
        return render(request, self.template_name, {"form": form})


def _editable_account(request, pk: int) -> Account:
    account = get_object_or_404(
        Account.objects.visible_to(request.user).select_related("owner__team"), pk=pk
    )
    if not may_edit(request.user, account.owner):
        raise PermissionDenied(str(PermissionDeniedError().message))
    return account


class AccountEditView(LoginRequiredMixin, View):
    template_name = "accounts/account_form.html"

    def get(self, request, pk: int):
        account = _editable_account(request, pk)
        form = AccountEditForm(instance=account, initial={"version": account.version})
        return render(request, self.template_name, {"form": form, "account": account})

    def post(self, request, pk: int):
        account = _editable_account(request, pk)
        form = AccountEditForm(request.POST, instance=account)
        status = 200
        if form.is_valid():
            try:
                account = account_update(
                    account=account,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    **form.changes(),
                )
            except ConflictError as error:
                form.add_error(None, str(error.message))
                status = 409
            except PermissionDeniedError as error:
                raise PermissionDenied(str(error.message)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Account “%(name)s” saved.") % {"name": account.name})
                return redirect(account)
        return render(
            request,
            self.template_name,
            {"form": form, "account": account, "conflict": status == 409},
            status=status,
        )


class AccountOptionsView(LoginRequiredMixin, View):
    """`<option>`s of the accounts matching `?q=`, for htmx-searched selects."""

    def get(self, request):
        form = OptionSearchForm(request.GET)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        return render(
            request,
            "accounts/partials/account_options.html",
            {
                "accounts": account_options(user=request.user, query=query),
                "blank": request.GET.get("blank") == "1",
            },
        )
