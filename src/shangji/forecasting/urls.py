from django.urls import path

from . import views

app_name = "forecasting"
urlpatterns = [
    path("", views.report_list_view, name="report_list"),
    path("<slug:slug>/", views.report_detail_view, name="report_detail"),
    path("<slug:slug>/export.csv", views.report_export_view, name="report_export"),
]
