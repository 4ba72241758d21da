from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportListView.as_view(), name="job_list"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="job_detail"),
    path("<int:pk>/reading/", views.ImportReadingView.as_view(), name="job_reading"),
    path("<int:pk>/progress/", views.ImportProgressView.as_view(), name="job_progress"),
    path("<int:pk>/undo/", views.ImportUndoView.as_view(), name="job_undo"),
    path("<int:pk>/delete/", views.ImportDeleteView.as_view(), name="job_delete"),
    path("<int:pk>/errors.csv", views.ImportProblemsView.as_view(), name="job_problems"),
    path(
        "mappings/<int:pk>/delete/",
        views.ImportMappingDeleteView.as_view(),
        name="mapping_delete",
    ),
]
