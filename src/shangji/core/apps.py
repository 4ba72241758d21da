from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shangji.core"
    label = "core"
