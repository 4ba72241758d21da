from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "shangji.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import context

        # Only to remember who is calling (address, browser) for the entries the services
        # write during the request; no audit entry is ever written by a signal.
        request_started.connect(context.remember_request, dispatch_uid="audit-request-started")
        request_finished.connect(context.forget_request, dispatch_uid="audit-request-finished")
