from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "shangji.api"
    label = "api"
