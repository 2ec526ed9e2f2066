"""Technology market pages, mounted at /market/."""

from django.urls import path

from .views import achievements, brokering, chains, contracts, demands, home

app_name = "market"
urlpatterns = [
    path("", home.home, name="home"),
    # the library of achievements (科技成果库)
    path("achievements/", achievements.achievement_list, name="achievements"),
    path("achievements/new/", achievements.achievement_edit, name="achievement_new"),
    path("achievements/catalogue/", achievements.achievement_catalogue, name="achievement_catalogue"),
    path("achievements/<int:pk>/", achievements.achievement_detail, name="achievement"),
    path("achievements/<int:pk>/edit/", achievements.achievement_edit, name="achievement_edit"),
    path("achievements/<int:pk>/attach/", achievements.attachment_upload, name="achievement_attach"),
    path("achievements/<int:pk>/<slug:action>/", achievements.achievement_step, name="achievement_step"),
    path("achievement-files/<int:pk>/", achievements.attachment_download, name="achievement_file"),
    path("achievement-files/<int:pk>/delete/", achievements.attachment_delete, name="achievement_file_delete"),
    # 技术合同认定登记
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/new/", contracts.contract_new, name="contract_new"),
    path("contracts/statistics/", contracts.contract_statistics, name="contract_statistics"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/<slug:action>/", contracts.contract_step, name="contract_step"),
    # 产业技术地图: the chains, the district map, each chain's graph and each link's records
    path("chains/", chains.chain_list, name="chains"),
    path("chains/map/", chains.chain_map, name="chain_map"),
    path("chains/<slug:cluster>/", chains.chain_detail, name="chain"),
    path("chains/<slug:cluster>/<slug:code>/", chains.link_detail, name="chain_link"),
    path("chains/<slug:cluster>/<slug:code>/attach/", chains.attach, name="chain_attach"),
    path("chains/<slug:cluster>/<slug:code>/detach/<int:pk>/", chains.detach, name="chain_detach"),
    # 技术需求与需求征集
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
    # 对接: records and events
    path("brokering/", brokering.brokering_list, name="brokerings"),
    path("brokering/start/", brokering.brokering_start, name="brokering_start"),
    path("brokering/<int:pk>/", brokering.brokering_detail, name="brokering"),
    path("brokering/<int:pk>/edit/", brokering.brokering_edit, name="brokering_edit"),
    path("brokering/<int:pk>/step/", brokering.brokering_step, name="brokering_step"),
    path("brokering/<int:pk>/transition/", brokering.brokering_transition, name="brokering_transition"),
    path("brokering/events/", brokering.event_list, name="brokering_events"),
    path("brokering/events/new/", brokering.event_add, name="brokering_event_add"),
    path("brokering/events/<int:pk>/", brokering.event_detail, name="brokering_event"),
    path("brokering/events/<int:pk>/edit/", brokering.event_edit, name="brokering_event_edit"),
    path("brokering/events/<int:pk>/delete/", brokering.event_delete, name="brokering_event_delete"),
    path("brokering/events/<int:pk>/participants/", brokering.participant_add, name="brokering_participant_add"),
    path(
        "brokering/events/<int:pk>/participants/<int:participant>/delete/",
        brokering.participant_remove,
        name="brokering_participant_remove",
    ),
]
