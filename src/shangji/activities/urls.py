from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("my-work/", views.my_work_view, name="my_work"),
]
