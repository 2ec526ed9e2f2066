"""District assessment (县区考核), included at /plan/assessment/ in the "plan" namespace."""

from django.urls import path

from . import views_assessment as v

urlpatterns = [
    path("", v.assessment, name="assessment"),
    path("records/", v.assessment_records, name="assessment_records"),
]
