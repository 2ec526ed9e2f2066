"""After issue: the enterprise's contract with a provider, the delivery, the provider's claim and the bureau's
decision on it (verify or refuse)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP

from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import scope_for

from ..engine.money import CENT, yuan_text
from ..models import EventKind, Provider, ProviderStatus, Redemption, RedemptionStatus, Voucher, VoucherStatus
from ..selectors.partners import admits_partner_provider
from .allocation import release_committed
from .common import (
    Refused,
    actor,
    another_person,
    bureau_only,
    forbidden,
    is_enterprise_of,
    is_provider_of,
    lock_voucher,
    money,
    new_event,
    on_behalf,
    require_step,
)


def sign_contract(
    user, voucher, *, provider: Provider, contract_no: str, contract_value, signed_on: dt.date | None = None, on_behalf_reason: str = ""
) -> Voucher:
    """The enterprise (or the bureau for it) records the service contract with an approved provider that
    offers the voucher's category. The voucher then pays at most min(face value, share × contract value)."""
    contract_value = money(contract_value, "contract_value")
    if not (contract_no or "").strip():
        raise Refused("contract_no_required", "请填写合同编号", "The contract number is required.", 422, "contract_no")
    with transaction.atomic():
        v = lock_voucher(voucher)
        if not (is_enterprise_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有申领企业可以登记合同", "Only the voucher's enterprise may record its contract.")
        behalf = on_behalf(user, is_enterprise_of(user, v), on_behalf_reason, "企业登记合同", "enterprise's contract")
        require_step(v, EventKind.CONTRACTED, "登记合同", "contracted")
        if v.expires_on and timezone.localdate() > v.expires_on:
            raise Refused("expired", "创新券已过有效期", "The voucher has passed its validity.")
        provider = Provider.objects.select_related("organization").get(pk=provider.pk)
        if provider.status != ProviderStatus.APPROVED:
            raise Refused("provider_not_approved", "该服务机构未入库或已暂停", "The provider is not approved, or is suspended.")
        # a partner city's provider, under an active agreement, may serve our vouchers too
        if provider.authority_id != v.programme.authority_id and not admits_partner_provider(provider, v.programme):
            raise Refused(
                "provider_other_authority",
                "该服务机构不属于本计划发放地的服务机构库",
                "The provider is not admitted by this programme's authority.",
                422,
                "provider",
            )
        if provider.organization_id == v.enterprise_id:
            raise Refused("self_dealing", "企业不能与自身签订服务合同", "An enterprise cannot contract with itself.", 422, "provider")
        if not provider.services.filter(category=v.voucher_type.category, is_active=True).exists():
            raise Refused(
                "provider_no_service",
                "该服务机构未登记此类服务",
                "The provider offers no service of this voucher's category.",
                422,
                "provider",
            )
        share = v.voucher_type.share_of_contract
        v.provider, v.contract_no, v.contract_value = provider, contract_no.strip()[:80], contract_value
        v.contract_signed_on = signed_on or timezone.localdate()
        v.payable_limit = min(v.face_value, (contract_value * share).quantize(CENT, rounding=ROUND_HALF_UP))
        v.status = VoucherStatus.CONTRACTED
        v.save()
        new_event(
            v,
            EventKind.CONTRACTED,
            user,
            **_behalf(behalf),
            payload={
                "provider": provider.pk,
                "contract_no": v.contract_no,
                "contract_value": str(contract_value),
                "payable_limit": str(v.payable_limit),
                "signed_on": v.contract_signed_on.isoformat(),
            },
        ).save()
    return v


def deliver(user, voucher, *, delivered_on: dt.date | None = None, note: str = "", on_behalf_reason: str = "") -> Voucher:
    """The service was delivered and accepted (recorded by the enterprise or the provider, or by the bureau for
    them with a reason)."""
    with transaction.atomic():
        v = lock_voucher(voucher)
        if not (is_enterprise_of(user, v) or is_provider_of(user, v) or scope_for(user).is_bureau):
            raise forbidden()
        party = is_enterprise_of(user, v) or is_provider_of(user, v)
        behalf = on_behalf(user, party, on_behalf_reason, "确认服务完成", "delivery")
        require_step(v, EventKind.DELIVERED, "确认服务完成", "marked delivered")
        v.status = VoucherStatus.DELIVERED
        v.save()
        payload = {"delivered_on": (delivered_on or timezone.localdate()).isoformat()}
        if behalf:
            payload["note"] = note
        new_event(v, EventKind.DELIVERED, user, **(_behalf(behalf) or {"reason": note}), payload=payload).save()
    return v


def _behalf(reason: str) -> dict:
    """The event's reason when the bureau recorded a party's step for it."""
    return {"reason_code": "on_behalf", "reason": reason} if reason else {}


def submit_redemption(
    user, voucher, *, invoice_no: str, invoice_amount, amount=None, evidence: list[dict] | None = None, on_behalf_reason: str = ""
) -> Redemption:
    """The provider claims the voucher with contract, invoice and acceptance evidence (file hashes).
    Refused after expiry, for a suspended provider, above what the voucher pays, or for a used invoice."""
    invoice_amount = money(invoice_amount, "invoice_amount")
    if not (invoice_no or "").strip():
        raise Refused("invoice_no_required", "请填写发票号码", "The invoice number is required.", 422, "invoice_no")
    evidence = checked_evidence(evidence)
    with transaction.atomic():
        v = lock_voucher(voucher)
        if not (is_provider_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有签约服务机构可以申请兑付", "Only the contracted provider may claim the voucher.")
        behalf = on_behalf(user, is_provider_of(user, v), on_behalf_reason, "服务机构申请兑付", "provider's claim")
        require_step(v, EventKind.REDEMPTION_SUBMITTED, "申请兑付", "claimed")
        if v.expires_on and timezone.localdate() > v.expires_on:
            raise Refused("expired", "创新券已过有效期，不能申请兑付", "The voucher has passed its validity; it can no longer be claimed.")
        if v.provider.status != ProviderStatus.APPROVED:
            raise Refused("provider_not_approved", "服务机构已暂停，不能申请兑付", "The provider is suspended; it cannot claim vouchers.")
        claim = money(amount, "amount") if amount is not None else min(v.payable_limit, invoice_amount)
        if claim > v.payable_limit:
            raise Refused(
                "above_payable",
                f"兑付金额超过本券可支付上限{yuan_text(v.payable_limit)}元（面额与合同比例取低者）",
                f"The claim is above the {yuan_text(v.payable_limit)} yuan this voucher can pay (face value or contract share).",
                422,
                "amount",
            )
        if claim > invoice_amount:
            raise Refused("above_invoice", "兑付金额超过发票金额", "The claim is above the invoice amount.", 422, "amount")
        if Redemption.objects.filter(provider=v.provider, invoice_no=invoice_no.strip()).exclude(status=RedemptionStatus.REJECTED).exists():
            raise Refused("invoice_reused", "该发票已用于兑付", "This invoice was already used for a redemption.", 409, "invoice_no")
        red = Redemption.objects.create(
            voucher=v,
            provider=v.provider,
            contract_no=v.contract_no,
            contract_value=v.contract_value,
            invoice_no=invoice_no.strip()[:60],
            invoice_amount=invoice_amount,
            amount=claim,
            evidence=evidence,
            submitted_by=actor(user),
        )
        v.status = VoucherStatus.REDEMPTION_SUBMITTED
        v.save()
        new_event(
            v,
            EventKind.REDEMPTION_SUBMITTED,
            user,
            claim,
            **_behalf(behalf),
            payload={"redemption": red.pk, "invoice_no": red.invoice_no, "invoice_amount": str(invoice_amount), "evidence": evidence},
        ).save()
    return red


def checked_evidence(items) -> list[dict]:
    out = []
    for i, item in enumerate(items or []):
        name, digest = str(item.get("name", "")).strip(), str(item.get("sha256", "")).strip().lower()
        if not name or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise Refused(
                "evidence_invalid",
                f"第{i + 1}份材料须有名称和SHA-256摘要",
                f"Evidence {i + 1} needs a name and a SHA-256 hash.",
                422,
                "evidence",
            )
        out.append({"name": name[:200], "sha256": digest})
    if not out:
        raise Refused(
            "evidence_required",
            "请提交合同、发票和验收材料的摘要",
            "Submit the hashes of the contract, invoice and acceptance evidence.",
            422,
            "evidence",
        )
    return out


def verify(user, voucher, *, amount=None, reason: str = "") -> Redemption:
    """The bureau accepts the pending redemption, for the claimed amount or less. The voucher is then
    redeemed; the unused rest of its face value returns to the budget."""
    bureau_only(user)
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.VERIFIED, "核验兑付", "verified")
        red = Redemption.objects.select_for_update().get(voucher=v, status=RedemptionStatus.SUBMITTED)
        another_person(
            user,
            red.submitted_by_id,
            "登记兑付申请的人员不能核验同一笔兑付",
            "Whoever recorded a redemption cannot also verify it.",
        )
        accepted = money(amount, "amount") if amount is not None else red.amount
        if accepted > red.amount or accepted > v.face_value:
            raise Refused("above_claim", "核定金额不能超过申请兑付金额", "The accepted amount cannot exceed the claim.", 422, "amount")
        now = timezone.now()
        red.status, red.accepted_amount, red.decided_by, red.decided_at, red.decision_reason = (
            RedemptionStatus.ACCEPTED,
            accepted,
            actor(user),
            now,
            reason[:500],
        )
        red.save()  # the partial unique index refuses a second accepted redemption of this voucher
        released = v.face_value - accepted
        release_committed(v, released)
        v.status, v.redeemed_amount = VoucherStatus.REDEEMED, accepted
        v.save()
        new_event(
            v, EventKind.VERIFIED, user, accepted, reason=reason, payload={"redemption": red.pk, "released": str(released)}, at=now
        ).save()
    return red


def reject_redemption(user, voucher, *, reason: str) -> Redemption:
    """The bureau refuses the pending redemption; the provider may correct and claim again (until expiry)."""
    bureau_only(user)
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.REDEMPTION_REJECTED, "驳回兑付", "refused for redemption")
        red = Redemption.objects.select_for_update().get(voucher=v, status=RedemptionStatus.SUBMITTED)
        red.status, red.decided_by, red.decided_at, red.decision_reason = (
            RedemptionStatus.REJECTED,
            actor(user),
            timezone.now(),
            reason[:500],
        )
        red.save()
        v.status = VoucherStatus.DELIVERED
        v.save()
        new_event(v, EventKind.REDEMPTION_REJECTED, user, red.amount, reason=reason, payload={"redemption": red.pk}).save()
    return red
