from django.urls import path

from . import views

app_name = "savedviews"
urlpatterns = [
    path("save/", views.saved_view_save_view, name="saved_view_save"),
    path("<int:pk>/rename/", views.saved_view_rename_view, name="saved_view_rename"),
    path("<int:pk>/delete/", views.saved_view_delete_view, name="saved_view_delete"),
    path("<int:pk>/default/", views.saved_view_default_view, name="saved_view_default"),
]
