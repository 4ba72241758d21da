"""Account pages: thin views over the account services and selectors."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.views import VersionedEditView, editable_or_403, service_errors_on_form

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
            with service_errors_on_form(form):
                account = account_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Account “%(name)s” created.") % {"name": account.name})
                return redirect(account)
        return render(request, self.template_name, {"form": form})


class AccountEditView(VersionedEditView):
    template_name = "accounts/account_form.html"
    form_class = AccountEditForm
    context_object_name = "account"

    def get_record(self, request, pk: int) -> Account:
        accounts = Account.objects.visible_to(request.user).select_related("owner__team")
        return editable_or_403(request.user, get_object_or_404(accounts, pk=pk))

    def update(self, record, **arguments) -> Account:
        return account_update(account=record, **arguments)

    def saved_message(self, record) -> str:
        return _("Account “%(name)s” saved.") % {"name": record.name}


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
