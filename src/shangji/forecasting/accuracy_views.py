"""The forecast accuracy page: each week's forecast of a period against what was won."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .snapshots import forecast_accuracy_get


@login_required
def forecast_accuracy_view(request):
    form, accuracy = forecast_accuracy_get(user=request.user, params=request.GET)
    context = {
        "form": form,
        "accuracy": accuracy,
        "rows": [week.as_dict() for week in accuracy.weeks] if accuracy else [],
        "chart": accuracy.chart() if accuracy else None,
    }
    return render(request, "forecasting/forecast_accuracy.html", context)
