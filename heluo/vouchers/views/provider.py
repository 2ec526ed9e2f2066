"""The service provider's pages: applying to join (services and prices), its status, the vouchers contracted
with it, its redemption claims with their evidence files, and its record.

Evidence: the uploaded files are hashed here (SHA-256, server side) and the service records name + hash;
the files are kept under their hash in the platform's media storage (see ``evidence``), after the service
has accepted the claim, so a refused claim leaves no file behind.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.models import Role
from heluo.core.permissions import VIEW
from heluo.geo.selectors import home_city

from .. import evidence, selectors, services
from ..models import ProviderStatus, Redemption, ServiceCategory, VoucherStatus
from ..selectors import reports
from ..services import Refused
from .common import nav_context, refusal_text, role_scope, voucher_or_404

SERVICE_ROWS = 5  # blank service rows on the application form
EVIDENCE_FIELDS = ("contract_file", "invoice_file", "acceptance_file", "other_files")


def org_scope(request):
    scope = role_scope(request)
    if scope.role != Role.ORG_USER:
        raise PermissionDenied
    return scope


def _services_from(post) -> list[dict]:
    rows = []
    for i in range(SERVICE_ROWS):
        name = post.get(f"service-{i}-name", "").strip()
        if not name:
            continue
        rows.append(
            {
                "category": post.get(f"service-{i}-category", ""),
                "name": name,
                "price": post.get(f"service-{i}-price", "").strip() or None,
                "unit": post.get(f"service-{i}-unit", "").strip(),
                "description": post.get(f"service-{i}-description", "").strip(),
            }
        )
    return rows


@login_required
def provider_home(request):
    scope = org_scope(request)
    provider = reports.provider_of(scope.organization_id)
    ctx = {
        **nav_context(request, "provider"),
        "provider": provider,
        "categories": ServiceCategory.choices,
        "rows": range(SERVICE_ROWS),
        "can_apply": provider is None or provider.status == ProviderStatus.REJECTED,
    }
    if provider is not None:
        contracts = list(selectors.voucher_list(request.user).filter(provider=provider).order_by("-contract_signed_on", "-pk"))
        for v in contracts:
            v.balance = v.face_value - v.redeemed_amount
            v.days_left = reports.days_left(v)
            v.to_claim = v.status == VoucherStatus.DELIVERED
        ctx.update(
            contracts=contracts,
            record=selectors.provider_record(provider),
            to_deliver=[v for v in contracts if v.status == VoucherStatus.CONTRACTED],
            to_claim=[v for v in contracts if v.status == VoucherStatus.DELIVERED],
            redeemed=[v for v in contracts if v.status in reports.REDEEMED_STATES],
            submissions=Redemption.objects.restrict(request.user, VIEW).filter(provider=provider).select_related("voucher__enterprise"),
        )
    return render(request, "vouchers/provider.html", ctx)


@login_required
@require_POST
def provider_apply(request):
    org_scope(request)
    authority = home_city()  # the platform's city admits its providers
    try:
        services.provider_apply(
            request.user,
            authority,
            services=_services_from(request.POST),
            contact=request.POST.get("contact", ""),
            description=request.POST.get("description", ""),
        )
        messages.success(request, _("Your application to join as a service provider has been submitted; the bureau will review it."))
    except (Refused, PermissionDenied) as e:
        messages.error(request, refusal_text(e))
    return redirect("vouchers:provider")


@login_required
@require_POST
def redeem(request, pk):
    """The provider's claim: invoice, amount and the evidence files (hashed here, kept after acceptance)."""
    org_scope(request)
    v = voucher_or_404(request.user, pk)
    uploads = [f for name in EVIDENCE_FIELDS for f in request.FILES.getlist(name)]
    try:
        hashed = []
        for f in uploads:
            try:
                hashed.append((f, evidence.digest(f)))
            except evidence.EvidenceTooLarge:
                raise Refused(
                    "evidence_too_large",
                    f"文件“{f.name}”超过{evidence.MAX_BYTES // 1024 // 1024}MB",
                    f"The file '{f.name}' is larger than {evidence.MAX_BYTES // 1024 // 1024} MB.",
                    422,
                    "evidence",
                ) from None
        services.submit_redemption(
            request.user,
            v,
            invoice_no=request.POST.get("invoice_no", ""),
            invoice_amount=request.POST.get("invoice_amount"),
            amount=(request.POST.get("amount") or "").strip() or None,
            evidence=[{"name": f.name, "sha256": digest} for f, digest in hashed],
        )
    except (Refused, PermissionDenied) as e:
        messages.error(request, refusal_text(e))
    else:
        for f, digest in hashed:
            evidence.keep(f, digest)
        messages.success(
            request, _("The redemption has been submitted with %(n)s evidence files; the bureau will verify it.") % {"n": len(hashed)}
        )
    return redirect("vouchers:voucher", pk=v.pk)
