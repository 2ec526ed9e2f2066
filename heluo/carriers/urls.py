"""Innovation carriers' pages, mounted at /carriers/."""

from django.urls import path

from .views import evaluation, pilot

app_name = "carriers"
urlpatterns = [
    path("", evaluation.round_list, name="rounds"),
    path("rounds/<int:pk>/", evaluation.round_detail, name="round"),
    path("rounds/<int:pk>/step/<slug:transition>/", evaluation.round_step, name="round_step"),
    path("rounds/<int:pk>/publish/", evaluation.round_publish, name="round_publish"),
    path("rounds/<int:pk>/rewards/", evaluation.rewards, name="rewards"),
    path("evaluations/<int:pk>/", evaluation.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/experts/", evaluation.evaluation_experts, name="evaluation_experts"),
    path("marks/", evaluation.my_marks, name="my_marks"),
    path("marks/<int:pk>/", evaluation.mark, name="mark"),
    path("results/", evaluation.results, name="results"),
    path("coverage/", evaluation.coverage, name="coverage"),
    path("pilot/", pilot.service_list, name="pilot"),
    path("pilot/new/", pilot.service_add, name="pilot_add"),
    path("pilot/<int:pk>/edit/", pilot.service_edit, name="pilot_edit"),
    path("pilot/<int:pk>/delete/", pilot.service_delete, name="pilot_delete"),
]
