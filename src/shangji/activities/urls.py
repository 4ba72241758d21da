from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("my-work/", views.my_work_view, name="my_work"),
    path("activities/", views.activity_list_view, name="activity_list"),
    path("activities/new/", views.activity_create_view, name="activity_create"),
    path("activities/timeline/", views.timeline_view, name="timeline"),
    path("activities/<int:pk>/", views.activity_detail_view, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit_view, name="activity_edit"),
    path("activities/<int:pk>/complete/", views.activity_complete_view, name="activity_complete"),
    path("activities/<int:pk>/delete/", views.activity_delete_view, name="activity_delete"),
    path(
        "activities/attachments/<int:pk>/",
        views.attachment_download_view,
        name="attachment_download",
    ),
]
