from django.urls import include, path

from . import accuracy_views, dashboard_views, forecast_views, time_travel_views, views

app_name = "forecasting"

# Mounted at /reports/.
report_patterns = [
    path("", views.report_list_view, name="report_list"),
    path("pipeline-on/", time_travel_views.pipeline_on_view, name="pipeline_on"),
    path(
        "pipeline-on/export.csv",
        time_travel_views.pipeline_on_export_view,
        name="pipeline_on_export",
    ),
    path("changes/", time_travel_views.pipeline_changes_view, name="pipeline_changes"),
    path(
        "changes/export.csv",
        time_travel_views.pipeline_changes_export_view,
        name="pipeline_changes_export",
    ),
    path("<slug:slug>/", views.report_detail_view, name="report_detail"),
    path("<slug:slug>/export.csv", views.report_export_view, name="report_export"),
]

urlpatterns = [
    path("reports/", include(report_patterns)),
    path("dashboard/", dashboard_views.dashboard_view, name="dashboard"),
    path("forecast/", forecast_views.forecast_view, name="forecast"),
    path("forecast/quotas/", forecast_views.quota_edit_view, name="quota_edit"),
    path(
        "forecast/accuracy/",
        accuracy_views.forecast_accuracy_view,
        name="forecast_accuracy",
    ),
]
