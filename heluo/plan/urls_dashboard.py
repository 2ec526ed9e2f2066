"""The plan monitoring pages (views.py): for the signed-in user's scope, and read-only for the public."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/<str:code>/", views.indicator_page, name="indicator"),
    path("map/", views.district_map, name="map"),
    path("map/<slug:city>.geojson", views.geojson, name="geojson"),
    path("warnings/", views.warnings, name="warnings"),
    path("public/", views.dashboard, {"public": True}, name="public_dashboard"),
    path("public/indicators/<str:code>/", views.indicator_page, {"public": True}, name="public_indicator"),
    path("public/map/", views.district_map, {"public": True}, name="public_map"),
    path("public/warnings/", views.warnings, {"public": True}, name="public_warnings"),
]
