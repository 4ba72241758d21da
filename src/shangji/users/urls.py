from django.urls import path

from . import api_key_views, password_views, views

app_name = "users"
urlpatterns = [
    path("login/", views.UserLoginView.as_view(), name="login"),
    path("logout/", views.UserLogoutView.as_view(), name="logout"),
    path("profile/", views.profile_edit_view, name="profile"),
    path("profile/password/", password_views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/calendar/new/", views.calendar_token_reset_view, name="calendar_token_reset"),
    path("profile/calendar/off/", views.calendar_token_revoke_view, name="calendar_token_revoke"),
    path("profile/api-keys/new/", api_key_views.api_key_create_view, name="api_key_create"),
    path(
        "profile/api-keys/<int:pk>/revoke/",
        api_key_views.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("settings/api-keys/", api_key_views.api_key_list_view, name="api_key_list"),
    path("notifications/", views.notification_list_view, name="notification_list"),
    path("notifications/read/", views.notification_mark_read_view, name="notification_mark_read"),
    path("notifications/poll/", views.notification_poll_view, name="notification_poll"),
    path(
        "settings/organisation/",
        views.organization_settings_view,
        name="organization_settings",
    ),
    path("calendar/<slug:token>.ics", views.calendar_feed_view, name="calendar_feed"),
]
