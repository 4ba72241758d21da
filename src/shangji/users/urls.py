from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("login/", views.UserLoginView.as_view(), name="login"),
    path("logout/", views.UserLogoutView.as_view(), name="logout"),
    path("profile/", views.profile_edit_view, name="profile"),
    path("notifications/", views.notification_list_view, name="notification_list"),
    path("notifications/read/", views.notification_mark_read_view, name="notification_mark_read"),
]
