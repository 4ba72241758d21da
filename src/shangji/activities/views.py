from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def my_work_view(request):
    return render(request, "activities/my_work.html", {})
