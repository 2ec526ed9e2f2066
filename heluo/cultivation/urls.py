from django.urls import path

from . import views

app_name = "cultivation"
urlpatterns = [
    path("organizations/<int:pk>/", views.organization_evaluation, name="organization"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
