from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from shangji.api.api import api

admin.site.site_header = _("Shangji administration")
admin.site.site_title = _("Shangji")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="activities:my_work"), name="home"),
    path("", include("shangji.users.urls")),
    path("opportunities/", include("shangji.opportunities.urls")),
    path("settings/pipelines/", include("shangji.opportunities.pipeline_urls")),
    path("settings/webhooks/", include("shangji.webhooks.urls")),
    path("settings/audit/", include("shangji.audit.urls")),
    path("accounts/", include("shangji.accounts.urls")),
    path("contacts/", include("shangji.contacts.urls")),
    path("leads/", include("shangji.leads.urls")),
    path("saved-views/", include("shangji.savedviews.urls")),
    path("", include("shangji.activities.urls")),
    path("mail/", include("shangji.activities.mail.urls")),
    path("", include("shangji.forecasting.urls")),  # /reports/ and /forecast/
    path("imports/", include("shangji.imports.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
