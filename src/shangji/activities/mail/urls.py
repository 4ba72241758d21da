from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("compose/", views.EmailComposeView.as_view(), name="compose"),
    path("upload/", views.EmailUploadView.as_view(), name="upload"),
    path("settings/", views.MailSettingsView.as_view(), name="settings"),
    path("settings/test/", views.MailTestView.as_view(), name="settings_test"),
]
