"""Plan monitoring pages under /plan/: dashboard, indicators, map and warnings (for the user's scope and, under
public/, read-only for the public), the district assessment under assessment/ and the annual report under report/."""

from django.urls import path

from .views import assessment, dashboard, indicators, map, report

app_name = "plan"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("indicators/<str:code>/", indicators.indicator_page, name="indicator"),
    path("map/", map.district_map, name="map"),
    path("map/<slug:city>.geojson", map.geojson, name="geojson"),
    path("warnings/", dashboard.warnings, name="warnings"),
    path("public/", dashboard.dashboard, {"public": True}, name="public_dashboard"),
    path("public/indicators/<str:code>/", indicators.indicator_page, {"public": True}, name="public_indicator"),
    path("public/map/", map.district_map, {"public": True}, name="public_map"),
    path("public/warnings/", dashboard.warnings, {"public": True}, name="public_warnings"),
    path("assessment/", assessment.assessment, name="assessment"),
    path("assessment/records/", assessment.assessment_records, name="assessment_records"),
    path("report/", report.report, name="report"),
    path("report/print/", report.report_print, name="report_print"),
    path("report/download/", report.report_download, name="report_download"),
]
