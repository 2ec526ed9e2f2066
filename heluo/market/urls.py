"""Technology market pages, mounted at /market/."""

from django.urls import path

from .views import demands

app_name = "market"
urlpatterns = [
    path("demands/", demands.demand_list, name="demands"),
    path("demands/new/", demands.demand_add, name="demand_add"),
    path("demands/<int:pk>/", demands.demand_detail, name="demand"),
    path("demands/<int:pk>/edit/", demands.demand_edit, name="demand_edit"),
    path("demands/<int:pk>/step/", demands.demand_step, name="demand_step"),
    path("demands/<int:pk>/delete/", demands.demand_delete, name="demand_delete"),
    path("campaigns/", demands.campaign_list, name="campaigns"),
    path("campaigns/new/", demands.campaign_add, name="campaign_add"),
    path("campaigns/<int:pk>/", demands.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", demands.campaign_edit, name="campaign_edit"),
]
