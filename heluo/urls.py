from django.contrib import admin
from django.urls import include, path

from heluo.api.router import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("plan/", include("heluo.plan.urls")),
    path("cultivation/", include("heluo.cultivation.urls")),
    path("vouchers/", include("heluo.vouchers.urls")),
    path("", include("heluo.web.urls")),
]
