"""The forecast page and the quota grid page."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError, field_errors
from shangji.core.views import query_string

from .forecast import forecast_get, may_view_quotas, quota_grid
from .forms import PeriodForm, local_today
from .periods import PeriodKind, period_of
from .services import quotas_save

CELL = re.compile(r"^(user|team)-(\d+)$")


def period_switcher(request, period) -> dict:
    """Links to the previous and next period and to the month, quarter and year around it
    (around today while the period holds it, else around its first day)."""
    today = local_today(request.user)
    anchor = today if period.contains(today) else period.start
    kinds = [
        (
            kind,
            label,
            query_string(
                request.GET, period=period_of(kind, anchor, period.fiscal_start_month).key
            ),
        )
        for kind, label in PeriodKind.choices
    ]
    return {
        "previous_url": query_string(request.GET, period=period.preceding().key),
        "next_url": query_string(request.GET, period=period.following().key),
        "kinds": kinds,
    }


@login_required
def forecast_view(request):
    form, forecast = forecast_get(user=request.user, params=request.GET)
    period = forecast.period if forecast else form.period_or_default()
    context = {
        "form": form,
        "forecast": forecast,
        "period": period,
        "chart": forecast.chart() if forecast else None,
        "may_view_quotas": may_view_quotas(request.user),
        **period_switcher(request, period),
    }
    return render(request, "forecasting/forecast.html", context)


def _posted_cells(post) -> tuple[dict[int, str], dict[int, str]]:
    users: dict[int, str] = {}
    teams: dict[int, str] = {}
    for key, value in post.items():
        if match := CELL.match(key):
            (users if match[1] == "user" else teams)[int(match[2])] = value
    return users, teams


@login_required
def quota_edit_view(request):
    if not may_view_quotas(request.user):
        raise PermissionDenied(_("Only managers, executives and administrators see quotas."))
    form = PeriodForm(request.GET, user=request.user)
    period = form.period_or_default()
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        users, teams = _posted_cells(request.POST)
        try:
            changed = quotas_save(
                actor=request.user, period=period, user_amounts=users, team_amounts=teams
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(str(error.message)) from error
        except ValidationError as error:
            errors = field_errors(error)
            messages.error(request, _("Nothing was saved: correct the quotas marked below."))
        else:
            messages.success(
                request,
                _("Quotas for %(period)s saved (%(count)s changed).")
                % {"period": period.label, "count": changed},
            )
            return redirect(reverse("forecasting:quota_edit") + f"?period={period.key}")
    sections = quota_grid(user=request.user, period=period)
    if request.method == "POST":
        for section in sections:
            for cell in section.cells:
                cell.value = request.POST.get(cell.key)
                cell.errors = errors.get(cell.key, [])
    context = {
        "form": form,
        "period": period,
        "sections": sections,
        "editable": any(cell.editable for section in sections for cell in section.cells),
        "forecast_url": reverse("forecasting:forecast") + f"?period={period.key}",
        **period_switcher(request, period),
    }
    return render(request, "forecasting/quota_edit.html", context, status=400 if errors else 200)
