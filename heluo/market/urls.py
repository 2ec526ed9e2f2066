"""Technology market pages, mounted at /market/."""

from django.urls import path

from .views import contracts

app_name = "market"
urlpatterns = [
    # 技术合同认定登记
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/new/", contracts.contract_new, name="contract_new"),
    path("contracts/statistics/", contracts.contract_statistics, name="contract_statistics"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/<slug:action>/", contracts.contract_step, name="contract_step"),
]
