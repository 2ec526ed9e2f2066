"""The annual monitoring report (views_report.py), under /plan/report/ in the "plan" namespace."""

from django.urls import path

from . import views_report

urlpatterns = [
    path("", views_report.report, name="report"),
    path("print/", views_report.report_print, name="report_print"),
    path("download/", views_report.report_download, name="report_download"),
]
