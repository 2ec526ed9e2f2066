"""Platform pages (URL names in the shared "web" namespace)."""

from django.urls import path

from heluo.web.views.generic import urlpatterns_for

from . import views

urlpatterns = urlpatterns_for(
    views.PLATFORM, "platforms", [path("platforms/<int:pk>/status/", views.platform_status, name="platform_status")]
)
