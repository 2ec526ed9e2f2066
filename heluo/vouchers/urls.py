"""Innovation voucher pages, mounted at /vouchers/. URL names avoid the prefixes the main navigation reads
as other sections (programme_, area_ …)."""

from django.urls import path

from . import views, views_bureau, views_enterprise, views_provider

app_name = "vouchers"
urlpatterns = [
    path("", views.home, name="home"),
    # enterprise
    path("my/", views_enterprise.my_vouchers, name="my"),
    path("programmes/<int:pk>/apply/", views_enterprise.apply, name="apply"),
    # provider
    path("provider/", views_provider.provider_home, name="provider"),
    path("provider/apply/", views_provider.provider_apply, name="provider_apply"),
    path("<int:pk>/redeem/", views_provider.redeem, name="redeem"),
    # one voucher, any role in scope
    path("<int:pk>/", views.voucher_detail, name="voucher"),
    path("<int:pk>/<slug:action>/", views.voucher_action, name="step"),
    path("redemptions/<int:pk>/evidence/<slug:sha256>/", views.evidence_file, name="evidence"),
    # bureau and districts
    path("programmes/", views_bureau.programmes, name="programmes"),
    path("programmes/<int:pk>/", views_bureau.programme_detail, name="budget"),
    path("programmes/<int:pk>/reconciliation/", views_bureau.reconciliation, name="reconciliation"),
    path("programmes/<int:pk>/issue-ranked/", views_bureau.issue_ranked, name="issue_ranked"),
    path("list/", views_bureau.voucher_list, name="list"),
    path("queue/", views_bureau.queue, name="queue"),
    path("applications/", views_bureau.applications, name="applications"),
    path("providers/", views_bureau.providers, name="providers"),
    path("providers/<int:pk>/review/", views_bureau.provider_review, name="provider_review"),
    path("risk/", views_bureau.risk, name="risk"),
    path("risk/<int:pk>/clear/", views_bureau.risk_clear, name="risk_clear"),
]
