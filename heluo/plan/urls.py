"""Plan monitoring pages under /plan/: dashboard and indicators (views.py), district assessment
(views_assessment.py), annual monitoring report (views_report.py)."""

from django.urls import include, path

app_name = "plan"
urlpatterns = [
    path("", include("heluo.plan.urls_dashboard")),
    path("assessment/", include("heluo.plan.urls_assessment")),
    path("report/", include("heluo.plan.urls_report")),
]
