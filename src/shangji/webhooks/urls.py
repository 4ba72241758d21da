from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.WebhookListView.as_view(), name="webhook_list"),
    path("new/", views.WebhookCreateView.as_view(), name="webhook_create"),
    path("<int:webhook_id>/", views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("<int:webhook_id>/edit/", views.WebhookEditView.as_view(), name="webhook_edit"),
    path("<int:webhook_id>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
    path(
        "<int:webhook_id>/rotate-secret/",
        views.WebhookRotateSecretView.as_view(),
        name="webhook_rotate_secret",
    ),
    path("<int:webhook_id>/test/", views.WebhookTestView.as_view(), name="webhook_test"),
    path(
        "deliveries/<int:delivery_id>/redeliver/",
        views.DeliveryRedeliverView.as_view(),
        name="delivery_redeliver",
    ),
]
