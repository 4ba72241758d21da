from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.LeadListView.as_view(), name="lead_list"),
    path("export.csv", views.lead_export_view, name="lead_export"),
    path("new/", views.LeadCreateView.as_view(), name="lead_create"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("<int:pk>/edit/", views.LeadEditView.as_view(), name="lead_edit"),
    path("<int:pk>/assign/", views.lead_assign_view, name="lead_assign"),
    path("<int:pk>/delete/", views.lead_delete_view, name="lead_delete"),
    path("<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead_convert"),
]
