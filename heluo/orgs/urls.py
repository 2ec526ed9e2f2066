"""Organization, qualification and annual-data pages (URL names in the shared "web" namespace)."""

from django.urls import path

from heluo.web.views.generic import urlpatterns_for

from . import views

urlpatterns = [
    path("organizations/lookup/", views.organization_lookup, name="organization_lookup"),
    *urlpatterns_for(views.ORGANIZATION, "organizations"),
    *urlpatterns_for(
        views.QUALIFICATION,
        "qualifications",
        [path("qualifications/<int:pk>/status/", views.qualification_status, name="qualification_status")],
    ),
    *urlpatterns_for(views.ANNUAL, "annual", [path("annual/<int:pk>/status/", views.annual_status, name="annual_status")]),
]
