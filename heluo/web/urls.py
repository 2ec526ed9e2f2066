from django.contrib.auth import views as auth_views
from django.urls import path

from .views import objects as o
from .views import pages
from .views.generic import urlpatterns_for

app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organizations/lookup/", o.organization_lookup, name="organization_lookup"),
    *urlpatterns_for(o.ORGANIZATION, "organizations"),
    *urlpatterns_for(
        o.QUALIFICATION,
        "qualifications",
        [
            path("qualifications/<int:pk>/status/", o.qualification_status, name="qualification_status"),
        ],
    ),
    *urlpatterns_for(
        o.ANNUAL,
        "annual",
        [
            path("annual/<int:pk>/status/", o.annual_status, name="annual_status"),
        ],
    ),
    *urlpatterns_for(
        o.PLATFORM,
        "platforms",
        [
            path("platforms/<int:pk>/status/", o.platform_status, name="platform_status"),
        ],
    ),
    *urlpatterns_for(
        o.PERSON,
        "people",
        [
            path("people/<int:pk>/reveal-id-number/", o.person_reveal, name="person_reveal"),
        ],
    ),
    *urlpatterns_for(o.AREA, "reference/areas"),
    *urlpatterns_for(o.INDUSTRY, "reference/industries"),
    *urlpatterns_for(o.HITECH_FIELD, "reference/hitech-fields"),
    *urlpatterns_for(o.CLUSTER, "reference/clusters"),
    *urlpatterns_for(o.PROGRAMME, "reference/talent-programmes"),
    path("imports/", pages.import_list, name="import_list"),
    path("imports/<int:pk>/", pages.import_job, name="import_job"),
    path("imports/templates/<slug:kind>/", pages.import_template, name="import_template"),
    path("account/", pages.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("audit/", pages.audit_log, name="audit_log"),
    path("audit/reads/", pages.audit_log, {"tab": "reads"}, name="audit_reads"),
]
