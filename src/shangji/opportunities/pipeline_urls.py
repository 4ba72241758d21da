from django.urls import path

from . import pipeline_views as views

app_name = "pipelines"
urlpatterns = [
    path("", views.PipelineListView.as_view(), name="pipeline_list"),
    path("new/", views.PipelineCreateView.as_view(), name="pipeline_create"),
    path("<int:pipeline_id>/stages/new/", views.StageCreateView.as_view(), name="stage_create"),
    path("stages/<int:stage_id>/edit/", views.StageEditView.as_view(), name="stage_edit"),
    path("stages/<int:stage_id>/move/", views.StageMoveView.as_view(), name="stage_move"),
    path("stages/<int:stage_id>/retire/", views.StageRetireView.as_view(), name="stage_retire"),
    path("stages/<int:stage_id>/restore/", views.StageRestoreView.as_view(), name="stage_restore"),
]
