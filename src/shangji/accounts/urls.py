from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.AccountListView.as_view(), name="account_list"),
    path("new/", views.AccountCreateView.as_view(), name="account_create"),
    path("options/", views.AccountOptionsView.as_view(), name="account_options"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("<int:pk>/edit/", views.AccountEditView.as_view(), name="account_edit"),
]
