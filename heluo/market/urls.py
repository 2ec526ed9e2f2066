"""Technology market pages, mounted at /market/."""

from django.urls import path

from .views import chains

app_name = "market"
urlpatterns = [
    # 产业技术地图: the chains, the district map, each chain's graph and each link's records
    path("chains/", chains.chain_list, name="chains"),
    path("chains/map/", chains.chain_map, name="chain_map"),
    path("chains/<slug:cluster>/", chains.chain_detail, name="chain"),
    path("chains/<slug:cluster>/<slug:code>/", chains.link_detail, name="chain_link"),
    path("chains/<slug:cluster>/<slug:code>/attach/", chains.attach, name="chain_attach"),
    path("chains/<slug:cluster>/<slug:code>/detach/<int:pk>/", chains.detach, name="chain_detach"),
]
