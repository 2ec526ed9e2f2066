"""The site's URLs. The framework's pages and the registry apps' object pages share the "web" namespace
(their URL names predate the split into apps); each programme app has its own namespace and prefix."""

from django.contrib import admin
from django.urls import include, path, re_path

from heluo.api.errors import unmatched
from heluo.api.router import api
from heluo.geo import urls as geo_urls
from heluo.orgs import urls as orgs_urls
from heluo.people import urls as people_urls
from heluo.platforms import urls as platforms_urls
from heluo.taxonomy import urls as taxonomy_urls
from heluo.web import urls as web_urls

web_pages = [
    *orgs_urls.urlpatterns,
    *platforms_urls.urlpatterns,
    *people_urls.urlpatterns,
    *geo_urls.urlpatterns,
    *taxonomy_urls.urlpatterns,
    *web_urls.urlpatterns,
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", unmatched),  # any other path under the API: its JSON 404
    path("plan/", include("heluo.plan.urls")),
    path("cultivation/", include("heluo.cultivation.urls")),
    path("vouchers/", include("heluo.vouchers.urls")),
    path("market/", include("heluo.market.urls")),
    path("projects/", include("heluo.projects.urls")),
    path("carriers/", include("heluo.carriers.urls")),
    path("talent/", include("heluo.talent.urls")),
    path("instruments/", include("heluo.instruments.urls")),
    path("incubation/", include("heluo.incubation.urls")),
    path("", include((web_pages, "web"))),
]
