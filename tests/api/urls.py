"""The API tests' URLconf: the API alone, at /api/v1/ as heluo/urls.py mounts it, so they do not depend on the web UI."""

from django.urls import path

from heluo.api.router import api

urlpatterns = [path("api/v1/", api.urls)]
