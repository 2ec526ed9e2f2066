"""Across cities (互认互通), the issuing side: partner cities' platforms call us about our vouchers.

Two platforms talk over a signed, replay-protected API (heluo.vouchers.api.partner). Each side keeps its
own record: the issuing side the voucher's contract, redemption and payment, through the normal services
(so ledger events and invariants stay the single truth); the provider's side a ``PartnerRedemption``.

Our providers' use of partner cities' vouchers is services.partner_uses. Signature (HMAC-SHA256 with the secret agreed with the partner, ``PartnerCity.shared_secret``; a value
``env:NAME`` reads it from the environment instead). The string signed is::

    HELUO-HMAC-SHA256 \\n METHOD \\n PATH(?QUERY) \\n PARTNER \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

sent as ``X-Heluo-Partner`` (the caller's code as the receiver knows it), ``X-Heluo-Timestamp`` (Unix
seconds), ``X-Heluo-Nonce`` and ``X-Heluo-Signature`` (hex). The receiver refuses with 401 a missing or bad
signature, an unknown or inactive partner, a timestamp more than HELUO_PARTNER_CLOCK_SKEW_SECONDS (default
300) away from its clock; with 409 a nonce it has seen (kept in PartnerNonce for twice the window, so a
replay inside the window is always caught and one outside it is stale). Signatures are compared in constant
time. The answer is signed too (status, path, the request's nonce, its own timestamp, body hash), so the
caller knows it comes from the partner and belongs to this request.

Cross-region model (policy-rules.md §5.2, which one an agreement uses is [NF] → ``PartnerCity.redemption_model``):
通兑 (tongdui): the partner's provider redeems our voucher through this API; 通用 (tongyong): the enterprise
pays in full and is reimbursed at home, so the partner may lock (record the contract) but not redeem.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import urllib.parse
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from heluo.core.codes import check_uscc, normalize_code
from heluo.core.middleware import acting_as
from heluo.core.permissions import SYSTEM
from heluo.geo.models import Area
from heluo.orgs.models import Organization, OrganizationKind

from ..engine import signing
from ..engine.money import yuan_str
from ..models import (
    EventKind,
    PartnerCity,
    PartnerNonce,
    Programme,
    Provider,
    ProviderService,
    ProviderStatus,
    Redemption,
    RedemptionChannel,
    RedemptionModel,
    RedemptionStatus,
    Voucher,
    VoucherEvent,
    VoucherStatus,
)
from ..selectors.partners import home_code
from .common import Refused, money, wrong_state
from .contracts import deliver, reject_redemption, sign_contract, submit_redemption

CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,12}$")  # fits Area.code: the partner's area is created with this code


def clock_skew() -> int:
    value = getattr(settings, "HELUO_PARTNER_CLOCK_SKEW_SECONDS", None) or os.environ.get("HELUO_PARTNER_CLOCK_SKEW_SECONDS") or 300
    return int(value)


def call_timeout() -> float:
    return float(getattr(settings, "HELUO_PARTNER_TIMEOUT_SECONDS", None) or os.environ.get("HELUO_PARTNER_TIMEOUT_SECONDS") or 15)


def secret_of(partner: PartnerCity) -> bytes:
    raw = partner.shared_secret or ""
    if raw.startswith("env:"):  # kept out of the database (and its change log) altogether
        raw = os.environ.get(raw[4:], "")
    if not raw:
        raise Refused(
            "partner_secret_missing", f"未配置与{partner.name}约定的密钥", f"No shared secret is configured for {partner.name}.", 500
        )
    return raw.encode()


# --- signing (the strings and the arithmetic: engine.signing) -----------------------------------------


def sign_request(partner: PartnerCity, method: str, path: str, body: bytes, *, now: float | None = None, nonce: str | None = None) -> dict:
    """The headers of a call we make to `partner` (signed with the secret agreed with it)."""
    return signing.request_headers(
        secret_of(partner), home_code(partner), method, path, body, now=now if now is not None else time.time(), nonce=nonce
    )


def authenticate(method: str, path: str, headers, body: bytes, *, now: float | None = None) -> tuple[PartnerCity, str]:
    """Check a partner's signed call; returns (partner, nonce) or raises Refused (401, or 409 for a replay).
    The nonce is recorded only once the signature is good, so nobody can burn a partner's nonces."""
    code, timestamp, nonce, signature = (headers.get(h, "") or "" for h in signing.SIGNED_HEADERS)
    if not (code and timestamp and nonce and signature):
        raise Refused(
            "signature_missing",
            "缺少签名信息（X-Heluo-Partner/Timestamp/Nonce/Signature）",
            "The call is not signed (X-Heluo-Partner, -Timestamp, -Nonce and -Signature are required).",
            401,
        )
    partner = PartnerCity.objects.select_related("area").filter(code=code).first()
    if partner is None or not partner.active:
        raise Refused("unknown_partner", "未知或已停用的合作城市", "Unknown or inactive partner city.", 401)
    now = now if now is not None else time.time()
    skew = clock_skew()
    if not signing.timestamp_is_fresh(timestamp, now, skew):
        raise Refused(
            "stale_timestamp",
            f"时间戳超出允许的{skew}秒误差，请校准时钟",
            f"The timestamp is more than {skew} seconds away from our clock; check the caller's clock.",
            401,
        )
    if not signing.nonce_is_well_formed(nonce):
        raise Refused("bad_nonce", "随机串须为16–100位字母、数字、-或_", "The nonce must be 16–100 letters, digits, '-' or '_'.", 401)
    if not signing.request_is_authentic(secret_of(partner), method, path, headers, body):
        raise Refused("bad_signature", "签名无效", "The signature is not valid.", 401)
    try:
        with transaction.atomic():
            PartnerNonce.objects.create(partner=partner, nonce=nonce)
    except IntegrityError:
        raise Refused(
            "replayed_nonce",
            "该请求已处理过（随机串重复），拒绝重放",
            "This request was seen before (nonce reused); a replay is refused.",
            409,
        ) from None
    forget_before = timezone.now() - dt.timedelta(seconds=signing.nonce_retention(skew))
    PartnerNonce.objects.filter(partner=partner, received_at__lt=forget_before).delete()
    return partner, nonce


def sign_response(partner: PartnerCity, status: int, path: str, request_nonce: str, body: bytes) -> dict:
    return signing.response_headers(secret_of(partner), status, path, request_nonce, body, now=time.time())


def response_is_authentic(partner: PartnerCity, status: int, path: str, request_nonce: str, headers, body: bytes) -> bool:
    return signing.response_is_authentic(secret_of(partner), status, path, request_nonce, headers, body)


# --- partner configuration ----------------------------------------------------------------------------


def partner_area(partner: PartnerCity) -> Area:
    """The partner city as the authority of its providers here: an Area of kind city with the partner's code."""
    if partner.area_id:
        return partner.area
    area = Area.objects.filter(code=partner.code).first()
    if area is None:
        area = Area.objects.create(
            code=partner.code,
            name_zh=partner.name[:50],
            name_en=partner.name[:80],
            kind=Area.Kind.CITY,
            code_is_official=partner.code.isdigit(),
            note="合作城市 / partner city",
        )
    if Programme.objects.filter(authority=area).exists():  # never let a partner's providers pass for ours
        raise Refused(
            "partner_area_is_ours",
            f"区划{area.code}是本平台创新券计划的发放地，不能作为合作城市",
            f"Area {area.code} issues vouchers here; it cannot be a partner city.",
            409,
        )
    PartnerCity.objects.filter(pk=partner.pk).update(area=area)
    partner.area = area
    return area


def configure_partner(
    code: str,
    name: str,
    base_url: str,
    secret: str,
    *,
    model: str,
    our_code: str = "",
    terms: str = "",
    period_days: int | None = None,
    active: bool = True,
) -> PartnerCity:
    """Create or update (by code) a partner city and its area."""
    code, our_code = (code or "").strip(), (our_code or "").strip()
    if not CODE_RE.match(code) or (our_code and not CODE_RE.match(our_code)):
        raise Refused("partner_code", "合作城市代码须为1–12位字母、数字或-", "A partner code is 1–12 letters, digits or '-'.", 422, "code")
    if urllib.parse.urlsplit(base_url or "").scheme not in ("http", "https"):
        raise Refused(
            "partner_url",
            "平台地址须以 http:// 或 https:// 开头",
            "The platform address must start with http:// or https://.",
            422,
            "base_url",
        )
    if not secret.startswith("env:") and len(secret) < 32:
        raise Refused("partner_secret", "密钥至少32个字符", "The shared secret must be at least 32 characters.", 422, "secret")
    if model not in RedemptionModel.values:
        raise Refused(
            "partner_model", "模式须为 tongdui（通兑）或 tongyong（通用）", "The model must be tongdui or tongyong.", 422, "model"
        )
    with transaction.atomic():
        partner = PartnerCity.objects.select_for_update().filter(code=code).first() or PartnerCity(code=code)
        partner.name, partner.base_url, partner.shared_secret = name.strip()[:100], base_url.strip(), secret
        partner.redemption_model, partner.our_code, partner.active = model, our_code, active
        if terms:
            partner.settlement_terms = terms
        if period_days:
            partner.settlement_period_days = period_days
        partner.full_clean(exclude=["area"])
        partner.save()
        partner_area(partner)
    return partner


# --- the issuing side: what a partner may do with our vouchers ----------------------------------------

NOT_FOUND = ("not_found", "未找到该创新券，或该券不能在合作城市使用", "No such voucher, or it cannot be used in a partner city.")


def _voucher_for(partner: PartnerCity, number: str, enterprise_uscc: str) -> Voucher:
    """The voucher a partner names by number and its holder's USCC (numbers are sequential, so the number
    alone must not reveal anything). Unknown, not issued, or another holder: the same 404."""
    v = (
        Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization")
        .filter(number=(number or "").strip())
        .first()
    )
    uscc = normalize_code(enterprise_uscc or "")
    if v is None or v.status in (VoucherStatus.APPLIED, VoucherStatus.REJECTED) or not v.enterprise.uscc or v.enterprise.uscc != uscc:
        raise Refused(*NOT_FOUND, 404)
    return v


def _locked_by(partner: PartnerCity, v: Voucher) -> bool:
    return bool(v.provider_id and partner.area_id and v.provider.authority_id == partner.area_id)


def _lock_reference(v: Voucher) -> str:
    event_id = VoucherEvent.objects.filter(voucher=v, kind=EventKind.CONTRACTED).order_by("-id").values_list("id", flat=True).first()
    return f"lock:{event_id}"


def _redemption_view(red: Redemption) -> dict:
    return {
        "id": red.pk,
        "reference": f"redemption:{red.pk}",
        "status": red.status,
        "amount": yuan_str(red.amount),
        "accepted_amount": None if red.accepted_amount is None else yuan_str(red.accepted_amount),
        "invoice_no": red.invoice_no,
        "partner_reference": red.partner_reference,
        "submitted_at": red.submitted_at.isoformat(),
        "decided_at": red.decided_at.isoformat() if red.decided_at else None,
        "decision_reason": red.decision_reason,
    }


def _partner_redemption(partner: PartnerCity, v: Voucher, reference: str = "") -> Redemption | None:
    qs = Redemption.objects.filter(voucher=v, channel=RedemptionChannel.PARTNER, partner_authority_id=partner.area_id)
    if reference:
        qs = qs.filter(partner_reference=reference)
    return qs.order_by("-id").first() if partner.area_id else None


def voucher_view(partner: PartnerCity, v: Voucher, reference: str = "") -> dict:
    """Only what the partner needs: state, amounts, expiry and the holder's name; contract and payment
    details only of a lock the partner holds itself."""
    mine = _locked_by(partner, v)
    expired = bool(v.expires_on and timezone.localdate() > v.expires_on)
    out = {
        "number": v.number,
        "status": v.status,
        "usable": v.status == VoucherStatus.ISSUED and not expired,
        "face_value": yuan_str(v.face_value),
        "category": v.voucher_type.category,
        "share_of_contract": str(v.voucher_type.share_of_contract),
        "payable": yuan_str(v.payable_limit if mine and v.payable_limit is not None else v.face_value),
        "expires_on": v.expires_on.isoformat() if v.expires_on else None,
        "enterprise": {"name": v.enterprise.name},
        "programme": {
            "code": v.programme.code,
            "name_zh": v.programme.name_zh,
            "name_en": v.programme.name_en,
            "is_example": v.programme.is_example,
        },
        "locked_by_you": mine,
    }
    if mine:
        out.update(
            {
                "contract_no": v.contract_no,
                "contract_value": yuan_str(v.contract_value),
                "lock_reference": _lock_reference(v),
                "provider_uscc": v.provider.organization.uscc,
                "redeemed_amount": yuan_str(v.redeemed_amount),
                "settled_amount": yuan_str(v.settled_amount),
            }
        )
        red = _partner_redemption(partner, v, reference)
        out["redemption"] = _redemption_view(red) if red else None
    return out


def partner_verify(partner: PartnerCity, number: str, enterprise_uscc: str, reference: str = "") -> dict:
    return {"voucher": voucher_view(partner, _voucher_for(partner, number, enterprise_uscc), reference)}


def _partner_provider(partner: PartnerCity, info: dict, category: str, contract_value: Decimal) -> Provider:
    """The partner's provider as a Provider here: its organization (by USCC; created in the partner's area),
    admitted by the partner city, offering the voucher's category as the partner attests."""
    info = info or {}
    check = check_uscc(str(info.get("uscc", "")))
    if not check.valid:
        raise Refused(
            "provider_uscc",
            f"服务机构统一社会信用代码无效：{check.reason_zh}",
            f"The provider's USCC is not valid: {check.reason_en}",
            422,
            "provider.uscc",
        )
    name = str(info.get("name", "")).strip()
    if not name:
        raise Refused("provider_name", "请提供服务机构名称", "The provider's name is required.", 422, "provider.name")
    area = partner_area(partner)
    org = Organization.objects.filter(uscc=check.code).first()
    if org is not None and org.area_id != area.pk:
        # one of our own organizations (or another partner's): a partner may not admit it or contract in its name
        raise Refused(
            "provider_not_partners",
            "该服务机构不是合作城市登记的服务机构",
            "This provider is not one registered by the partner city.",
            409,
            "provider.uscc",
        )
    if org is None:
        org = Organization.objects.create(
            name=name[:200],
            uscc=check.code,
            kind=OrganizationKind.SERVICE_AGENCY,
            area=area,
            is_published=False,
            description=f"{partner.name}的服务机构 / a provider of {partner.name}",
        )
    provider = Provider.objects.filter(organization=org).first()
    if provider is None:
        provider = Provider.objects.create(
            organization=org,
            authority=area,
            status=ProviderStatus.APPROVED,
            contact=str(info.get("contact", ""))[:100],
            reviewed_at=timezone.now(),
            review_reason=f"由合作城市{partner.name}认定 / admitted by partner city {partner.name}",
        )
    if provider.authority_id != area.pk:
        raise Refused(
            "provider_not_partners",
            "该服务机构不是合作城市登记的服务机构",
            "This provider is not one registered by the partner city.",
            409,
            "provider.uscc",
        )
    if provider.status != ProviderStatus.APPROVED:
        raise Refused(
            "provider_not_approved", "该服务机构在本市已被暂停或未获准", "This provider is suspended or not admitted here.", 409, "provider"
        )
    if provider.authority_id == area.pk and not provider.services.filter(category=category, is_active=True).exists():
        ProviderService.objects.create(
            provider=provider,
            category=category,
            name=(str(info.get("service", "")).strip() or f"{partner.name}服务 / partner service")[:120],
            price=contract_value,
            description=f"由{partner.name}平台登记 / recorded by the {partner.name} platform",
        )
    return provider


def partner_lock(
    partner: PartnerCity,
    number: str,
    enterprise_uscc: str,
    provider_info: dict,
    contract_no: str,
    contract_value,
    signed_on: dt.date | None = None,
) -> dict:
    """The partner's provider signed a contract for our voucher: record it through sign_contract (the ledger's
    'contracted' event). A retry of the same lock answers the lock as it stands."""
    contract_value = money(contract_value, "contract_value")
    contract_no = (contract_no or "").strip()
    with transaction.atomic():
        v = _voucher_for(partner, number, enterprise_uscc)
        uscc = normalize_code(str((provider_info or {}).get("uscc", "")))
        if _locked_by(partner, v) and v.contract_no == contract_no and v.provider.organization.uscc == uscc:
            return {"voucher": voucher_view(partner, v), "lock": {"reference": _lock_reference(v)}, "replayed": True}
        if v.status != VoucherStatus.ISSUED:
            raise wrong_state(v, "在合作城市签约", "locked for a partner city's contract")
        provider = _partner_provider(partner, provider_info, v.voucher_type.category, contract_value)
        v = sign_contract(SYSTEM, v, provider=provider, contract_no=contract_no, contract_value=contract_value, signed_on=signed_on)
        v = Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization").get(pk=v.pk)
        return {"voucher": voucher_view(partner, v), "lock": {"reference": _lock_reference(v)}, "replayed": False}


def _require_lock(partner: PartnerCity, v: Voucher):
    if not _locked_by(partner, v):
        raise Refused(
            "not_locked_by_partner", "该券未与贵市服务机构签约", "This voucher is not under contract with one of your providers.", 409
        )


def partner_redeem(
    partner: PartnerCity,
    number: str,
    enterprise_uscc: str,
    *,
    invoice_no: str,
    invoice_amount,
    amount=None,
    evidence=None,
    partner_reference: str,
) -> dict:
    """The partner's provider claims our voucher it holds under contract: delivery and the claim, through
    deliver and submit_redemption, as a Redemption with channel "partner" and the partner's reference.
    Idempotent per reference: a retry answers the claim already made."""
    if partner.redemption_model != RedemptionModel.TONGDUI:
        raise Refused(
            "model_tongyong",
            "按“通用”模式，由企业全额付款后回发券地申请报销，服务机构不能直接兑付",
            "Under the tongyong model the enterprise pays and is reimbursed at home; a provider cannot redeem.",
            409,
        )
    reference = (partner_reference or "").strip()[:100]
    if not reference:
        raise Refused(
            "reference_required", "请提供贵方的兑付编号", "Your reference of the redemption is required.", 422, "partner_reference"
        )
    with transaction.atomic():
        v = _voucher_for(partner, number, enterprise_uscc)
        _require_lock(partner, v)
        earlier = _partner_redemption(partner, v, reference)
        if earlier is not None and earlier.status != RedemptionStatus.REJECTED:
            return {"voucher": voucher_view(partner, v, reference), "redemption": _redemption_view(earlier), "replayed": True}
        if v.status == VoucherStatus.CONTRACTED:
            deliver(SYSTEM, v, note=f"{partner.name}服务机构验收 / accepted at the partner's provider")
        red = submit_redemption(SYSTEM, v, invoice_no=invoice_no, invoice_amount=invoice_amount, amount=amount, evidence=evidence)
        red.channel, red.partner_authority, red.partner_reference = RedemptionChannel.PARTNER, partner.area, reference
        red.save(update_fields=["channel", "partner_authority", "partner_reference"])
        v = Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization").get(pk=v.pk)
        return {"voucher": voucher_view(partner, v, reference), "redemption": _redemption_view(red), "replayed": False}


def partner_release(partner: PartnerCity, number: str, enterprise_uscc: str, partner_reference: str = "") -> dict:
    """The partner withdraws its pending claim (the voucher goes back to 'delivered', the provider may claim
    again). A recorded contract itself is not undone here: the ledger has no such step; the issuing
    bureau handles it (e.g. the enterprise cancels)."""
    with transaction.atomic():
        v = _voucher_for(partner, number, enterprise_uscc)
        _require_lock(partner, v)
        red = _partner_redemption(partner, v, (partner_reference or "").strip())
        if red is None or red.status != RedemptionStatus.SUBMITTED:
            raise Refused(
                "contract_recorded",
                "合同已在发券地登记，无待审兑付可撤回；解除合同须由发券地科技局办理",
                "The contract is on record with the issuing city and no claim is pending; only its bureau can undo the contract.",
                409,
            )
        reject_redemption(SYSTEM, v, reason=f"合作城市{partner.name}撤回兑付申请 / withdrawn by partner city {partner.name}")
        red.refresh_from_db()
        v = Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization").get(pk=v.pk)
        return {"voucher": voucher_view(partner, v, red.partner_reference), "redemption": _redemption_view(red), "withdrawn": True}


def acting_for(partner: PartnerCity):
    """Events and change-log rows of a partner's call name the partner (VoucherEvent.via is 20 characters)."""
    return acting_as(None, f"partner:{partner.code}"[:20])
