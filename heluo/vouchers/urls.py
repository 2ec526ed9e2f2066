"""Innovation voucher pages, mounted at /vouchers/. URL names avoid the prefixes the main navigation reads
as other sections (programme_, area_ …)."""

from django.urls import path

from .views import bureau, enterprise, provider, voucher

app_name = "vouchers"
urlpatterns = [
    path("", voucher.home, name="home"),
    # enterprise
    path("my/", enterprise.my_vouchers, name="my"),
    path("programmes/<int:pk>/apply/", enterprise.apply, name="apply"),
    # provider
    path("provider/", provider.provider_home, name="provider"),
    path("provider/apply/", provider.provider_apply, name="provider_apply"),
    path("<int:pk>/redeem/", provider.redeem, name="redeem"),
    # one voucher, any role in scope
    path("<int:pk>/", voucher.voucher_detail, name="voucher"),
    path("<int:pk>/<slug:action>/", voucher.voucher_action, name="step"),
    path("redemptions/<int:pk>/evidence/<slug:sha256>/", voucher.evidence_file, name="evidence"),
    # bureau and districts
    path("programmes/", bureau.programmes, name="programmes"),
    path("programmes/<int:pk>/", bureau.programme_detail, name="budget"),
    path("programmes/<int:pk>/reconciliation/", bureau.reconciliation, name="reconciliation"),
    path("programmes/<int:pk>/issue-ranked/", bureau.issue_ranked, name="issue_ranked"),
    path("list/", bureau.voucher_list, name="list"),
    path("queue/", bureau.queue, name="queue"),
    path("applications/", bureau.applications, name="applications"),
    path("providers/", bureau.providers, name="providers"),
    path("providers/<int:pk>/review/", bureau.provider_review, name="provider_review"),
    path("risk/", bureau.risk, name="risk"),
    path("risk/<int:pk>/clear/", bureau.risk_clear, name="risk_clear"),
]
