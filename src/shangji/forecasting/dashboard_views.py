"""The dashboard page: the executive's or the rep's, for a period (the current quarter)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .dashboard import dashboard_build, dashboard_view_for
from .forecast_views import period_switcher
from .forms import PeriodForm


@login_required
def dashboard_view(request):
    form = PeriodForm(request.GET, user=request.user)
    period = form.period_or_default()
    view = dashboard_view_for(request.user, request.GET.get("view", ""))
    dashboard = dashboard_build(user=request.user, period=period, view=view)
    context = {
        "form": form,
        "dashboard": dashboard,
        "period": period,
        "chart": dashboard.forecast.chart(),
        "base_currency": settings.BASE_CURRENCY,
        "may_switch": dashboard_view_for(request.user, "") == "company",
        **period_switcher(request, period),
    }
    return render(request, "forecasting/dashboard.html", context)
