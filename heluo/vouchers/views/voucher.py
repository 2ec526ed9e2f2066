"""Innovation voucher pages: the landing page per role, one voucher (its facts, events and the steps the
viewer may take now) and the evidence files. The enterprise's, provider's and bureau's own pages are in
``views.enterprise``, ``views.provider`` and ``views.bureau``; what they share is ``views.common``.

Who may do what is the services' rule; these pages only offer the forms a role can use and show the
service's refusal (Chinese or English, as the page) when a step is not allowed. Every read starts from
the user's scope: a voucher outside it is a 404, whoever asks.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual
from heluo.core.models import Role
from heluo.core.permissions import VIEW, allowed_actions
from heluo.orgs.models import Organization, OrganizationKind

from .. import evidence, selectors, services
from ..engine import ledger
from ..models import Provider, ProviderStatus, Redemption, Settlement, VoucherStatus
from ..selectors import reports
from ..selectors.risk import flags_for_voucher
from ..services import Refused
from .common import nav_context, optional, parse_date, refusal_text, role_scope, safe_next, voucher_or_404

# --- landing ------------------------------------------------------------------------------------------


@login_required
def home(request):
    """The navigation entry: staff land on the programmes, an organization on its own page."""
    scope = role_scope(request)
    if scope.role != Role.ORG_USER:
        return redirect("vouchers:programmes")
    kind = Organization.objects.filter(pk=scope.organization_id).values_list("kind", flat=True).first()
    return redirect("vouchers:my" if kind == OrganizationKind.ENTERPRISE else "vouchers:provider")


# --- one voucher --------------------------------------------------------------------------------------

EVENT_DETAILS = {  # payload keys worth showing in the timeline, with their labels
    "requested": gettext_lazy("requested"),
    "seq": gettext_lazy("order of arrival"),
    "score": gettext_lazy("score"),
    "contract_no": gettext_lazy("contract"),
    "contract_value": gettext_lazy("contract value"),
    "payable_limit": gettext_lazy("payable at most"),
    "signed_on": gettext_lazy("signed on"),
    "delivered_on": gettext_lazy("delivered on"),
    "invoice_no": gettext_lazy("invoice"),
    "invoice_amount": gettext_lazy("invoice amount"),
    "released": gettext_lazy("returned to the budget"),
    "paid_on": gettext_lazy("paid on"),
    "payment_ref": gettext_lazy("payment reference"),
}


def _event_details(event) -> list[tuple[str, str]]:
    payload = event.payload or {}
    out = [(str(label), str(payload[key])) for key, label in EVENT_DETAILS.items() if payload.get(key) not in (None, "")]
    if payload.get("evidence"):
        out.append((str(_("evidence files")), str(len(payload["evidence"]))))
    return out


@login_required
def voucher_detail(request, pk):
    scope = role_scope(request)
    v = voucher_or_404(request.user, pk)
    today = timezone.localdate()
    is_enterprise = scope.role == Role.ORG_USER and scope.organization_id == v.enterprise_id
    is_provider = scope.role == Role.ORG_USER and v.provider_id is not None and v.provider.organization_id == scope.organization_id
    events = selectors.voucher_events(request.user, v)
    for e in events:
        e.details = _event_details(e)
    redemptions = list(selectors.voucher_redemptions(request.user, v))
    for r in redemptions:
        r.files = [{**item, "kept": evidence.is_kept(item.get("sha256", ""))} for item in (r.evidence or [])]
    expired = v.expires_on is not None and today > v.expires_on
    pending = next((r for r in redemptions if r.status == "submitted"), None)
    status = v.status
    allowed = allowed_actions(request.user, v)
    ctx = {
        **nav_context(request, "voucher"),
        "v": v,
        "events": events,
        "redemptions": redemptions,
        "pending": pending,
        "settlements": Settlement.objects.restrict(request.user, VIEW).filter(voucher=v).order_by("paid_on", "pk"),
        "balance": v.face_value - v.redeemed_amount,
        "due": v.redeemed_amount - v.settled_amount,
        "days_left": reports.days_left(v, today),
        "warning": reports.expiry_warning(v, today),
        "expired": expired,
        "live": status in ledger.OPEN_STATES,
        "is_own_enterprise": is_enterprise,
        "is_own_provider": is_provider,
        "today": today,
        **{f"can_{a}": a in allowed for a in ("contract", "deliver", "redeem", "cancel", "review", "verify", "settle")},
    }
    if scope.is_bureau:
        ctx["flags"] = _risk_flags(request.user, v)
    if ctx["can_contract"]:
        ctx["providers"] = reports.contract_providers(v)
    if is_provider and status == VoucherStatus.DELIVERED and expired:
        ctx["redeem_blocked"] = _("The voucher has passed its validity; it can no longer be claimed.")
    elif is_provider and status == VoucherStatus.DELIVERED and v.provider.status != ProviderStatus.APPROVED:
        ctx["redeem_blocked"] = _("Your organization is suspended as a provider; it cannot claim vouchers until reinstated.")
    return render(request, "vouchers/voucher.html", ctx)


def _risk_flags(user, v) -> list:
    """The risk flags involving this voucher (the bureau's; nobody else sees any)."""
    flags = list(flags_for_voucher(user, v))
    for f in flags:
        f.text = str(Bilingual(f.explanation_zh, f.explanation_en))
    return flags


def _contract(request, v):
    pk = request.POST.get("provider", "")
    provider = Provider.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if provider is None:
        raise Refused("provider_required", "请选择服务机构", "Choose a provider.", 422, "provider")
    services.sign_contract(
        request.user,
        v,
        provider=provider,
        contract_no=request.POST.get("contract_no", ""),
        contract_value=request.POST.get("contract_value"),
        signed_on=parse_date(request.POST.get("signed_on"), "signed_on"),
        on_behalf_reason=request.POST.get("on_behalf_reason", ""),
    )
    return _("The contract has been recorded.")


def _deliver(request, v):
    services.deliver(
        request.user,
        v,
        delivered_on=parse_date(request.POST.get("delivered_on"), "delivered_on"),
        note=request.POST.get("note", "")[:500],
        on_behalf_reason=request.POST.get("on_behalf_reason", ""),
    )
    return _("The service has been recorded as delivered.")


def _cancel(request, v):
    services.cancel(request.user, v, reason=request.POST.get("reason", ""))
    return _("The voucher has been cancelled; its amount returns to the budget.")


def _review(request, v):
    score = optional(request.POST.get("score"))
    try:
        score = None if score is None else Decimal(score).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Refused("score_invalid", "评分须为数字", "The score must be a number.", 422, "score") from None
    if score is not None and (not score.is_finite() or abs(score) >= 100000):
        raise Refused("score_invalid", "评分超出范围", "The score is out of range.", 422, "score")
    services.review(request.user, v, score=score, note=request.POST.get("note", "")[:500])
    return _("The review score has been recorded.")


def _issue(request, v):
    services.issue(request.user, v, face_value=optional(request.POST.get("face_value")))
    return _("The voucher has been issued.")


def _reject(request, v):
    services.reject(request.user, v, reason=request.POST.get("reason", ""))
    return _("The application has been rejected.")


def _verify(request, v):
    services.verify(request.user, v, amount=optional(request.POST.get("amount")), reason=request.POST.get("reason", "")[:500])
    return _("The redemption has been accepted.")


def _refuse(request, v):
    services.reject_redemption(request.user, v, reason=request.POST.get("reason", ""))
    return _("The redemption has been refused; the provider may correct it and claim again.")


def _settle(request, v):
    if not request.POST.get("payment_ref", "").strip():
        # the bank's reference is what makes a repeated form submission recognisable as the same payment
        raise services.Refused("payment_ref_required", "请填写付款凭证号", "Enter the payment reference.", 422, "payment_ref")
    services.settle(
        request.user,
        v,
        amount=optional(request.POST.get("amount")),
        paid_on=parse_date(request.POST.get("paid_on"), "paid_on"),
        payment_ref=request.POST.get("payment_ref", ""),
    )
    return _("The payment has been recorded.")


ACTIONS = {
    "contract": _contract,
    "deliver": _deliver,
    "cancel": _cancel,
    "review": _review,
    "issue": _issue,
    "reject": _reject,
    "verify": _verify,
    "refuse": _refuse,
    "settle": _settle,
}


@login_required
@require_POST
def voucher_action(request, pk, action):
    """One step of the life cycle, done by the service (which checks who may and when)."""
    role_scope(request)
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    v = voucher_or_404(request.user, pk)
    try:
        messages.success(request, step(request, v))
    except (Refused, PermissionDenied) as e:
        messages.error(request, refusal_text(e))
    return redirect(safe_next(request, reverse("vouchers:voucher", args=[v.pk])))


@login_required
def evidence_file(request, pk, sha256):
    """An evidence file, to those who may see its redemption, only if its hash is recorded there."""
    role_scope(request)
    red = get_object_or_404(Redemption.objects.restrict(request.user, VIEW), pk=pk)
    item = next((e for e in red.evidence or [] if e.get("sha256") == sha256), None)
    if item is None or not evidence.is_kept(sha256):
        raise Http404
    return FileResponse(evidence.open_file(sha256), as_attachment=True, filename=item.get("name") or f"{sha256}.bin")
