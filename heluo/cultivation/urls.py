from django.urls import path

from . import views, views_benefits, views_enterprise, views_incentives, views_points, views_rulesets, views_work

app_name = "cultivation"
urlpatterns = [
    path("", views_work.hub, name="hub"),
    path("pools/<slug:code>/", views_work.pool_detail, name="pool"),
    path("pools/<slug:code>/refresh/", views_work.pool_refresh, name="pool_refresh"),
    path("pools/<slug:code>/recommend/", views_work.pool_recommend, name="pool_recommend"),
    path("pool-entries/<int:pk>/remove/", views_work.pool_remove, name="pool_remove"),
    path("listing/", views_work.listing_reserve, name="listing"),
    path("listing/<int:pk>/stage/", views_work.listing_stage, name="listing_stage"),
    path("enterprises/<int:pk>/service/", views_work.service_log, name="service"),
    path("enterprises/<int:pk>/", views_enterprise.enterprise, name="enterprise"),
    path("my/", views_enterprise.my_page, name="my"),
    path("organizations/<int:pk>/", views.organization_evaluation, name="organization"),
    path("incentives/", views_incentives.incentives_page, name="incentives"),
    path("points/", views_points.points_page, name="points"),
    path("points/bank-export/", views_points.bank_export, name="bank_export"),
    path("points/bank-exports/<int:pk>/", views_points.bank_export_detail, name="bank_export_detail"),
    path("benefits/", views_benefits.policy_list, name="benefits"),
    path("benefits/policies/<int:pk>/draft/", views_benefits.draft, name="benefit_draft"),
    path("benefits/lists/<int:pk>/", views_benefits.list_detail, name="benefit_list"),
    path("benefits/lists/<int:pk>/<slug:action>/", views_benefits.list_action, name="benefit_action"),
    path("rulesets/", views_rulesets.ruleset_list, name="rulesets"),
    path("rulesets/new/", views_rulesets.ruleset_edit, name="ruleset_new"),
    path("rulesets/custom/<int:pk>/edit/", views_rulesets.ruleset_edit, name="ruleset_edit"),
    path("rulesets/<slug:name>/", views_rulesets.ruleset_view, name="ruleset"),
    path("rulesets/<slug:name>/evaluate/", views_rulesets.ruleset_evaluate, name="ruleset_evaluate"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
