from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from haochaping.api import api

urlpatterns = [
    path("", include("haochaping.core.urls")),
    path("accounts/", include("haochaping.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin has no login of its own: ours asks the second factor (docs/security.md).
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("workdays/", include("haochaping.workdays.urls")),
    path("jobs/", include("haochaping.jobs.urls")),
    path("notifications/", include("haochaping.notifications.urls")),
    path("", include("haochaping.channels.urls")),
    path("rectification/", include("haochaping.rectification.urls")),
    path("dataout/", include("haochaping.dataout.urls")),
    path("appeals/", include("haochaping.appeals.urls")),
    path("results/", include("haochaping.results.urls")),
    path("public/", include("haochaping.results.urls_public")),
    path("coverage/", include("haochaping.coverage.urls")),
    path("comment/", include("haochaping.coverage.urls_public")),
    path("reports/", include("haochaping.reporting.urls")),
    path("public/reports/", include("haochaping.reporting.urls_public")),
    path("public/audit/", include("haochaping.audit.urls_public")),
    path("integrity/", include("haochaping.integrity.urls")),
    path("privacy/", include("haochaping.privacy.urls")),
]

# 503 with Retry-After while the database cannot be reached, 500 otherwise (core/unavailable.py).
handler500 = "haochaping.core.unavailable.server_error"

admin.site.site_header = "好差评 · haochaping"
admin.site.site_title = "haochaping"
