from django.urls import path

from .views import benefits, enterprise, evaluation, incentives, points, rulesets, work

app_name = "cultivation"
urlpatterns = [
    path("", work.hub, name="hub"),
    path("pools/<slug:code>/", work.pool_detail, name="pool"),
    path("pools/<slug:code>/refresh/", work.pool_refresh, name="pool_refresh"),
    path("pools/<slug:code>/recommend/", work.pool_recommend, name="pool_recommend"),
    path("pool-entries/<int:pk>/remove/", work.pool_remove, name="pool_remove"),
    path("listing/", work.listing_reserve, name="listing"),
    path("listing/<int:pk>/stage/", work.listing_stage, name="listing_stage"),
    path("enterprises/<int:pk>/service/", work.service_log, name="service"),
    path("enterprises/<int:pk>/", enterprise.enterprise, name="enterprise"),
    path("my/", enterprise.my_page, name="my"),
    path("organizations/<int:pk>/", evaluation.organization_evaluation, name="organization"),
    path("incentives/", incentives.incentives_page, name="incentives"),
    path("points/", points.points_page, name="points"),
    path("points/bank-export/", points.bank_export, name="bank_export"),
    path("points/bank-exports/<int:pk>/", points.bank_export_detail, name="bank_export_detail"),
    path("benefits/", benefits.policy_list, name="benefits"),
    path("benefits/policies/<int:pk>/draft/", benefits.draft, name="benefit_draft"),
    path("benefits/lists/<int:pk>/", benefits.list_detail, name="benefit_list"),
    path("benefits/lists/<int:pk>/<slug:action>/", benefits.list_action, name="benefit_action"),
    path("rulesets/", rulesets.ruleset_list, name="rulesets"),
    path("rulesets/new/", rulesets.ruleset_edit, name="ruleset_new"),
    path("rulesets/custom/<int:pk>/edit/", rulesets.ruleset_edit, name="ruleset_edit"),
    path("rulesets/<slug:name>/", rulesets.ruleset_view, name="ruleset"),
    path("rulesets/<slug:name>/evaluate/", rulesets.ruleset_evaluate, name="ruleset_evaluate"),
    path("runs/", evaluation.run_list, name="runs"),
    path("runs/<int:pk>/", evaluation.run_detail, name="run"),
]
