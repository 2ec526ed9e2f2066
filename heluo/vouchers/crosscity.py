"""Across cities (互认互通): a voucher issued here redeemed at a partner city's provider, and the other way round.

Two platforms talk over a signed, replay-protected API (heluo.api.vouchers_partner). Each side keeps its
own record: the issuing side the voucher's contract, redemption and payment, through the normal services
(so ledger events and invariants stay the single truth); the provider's side a ``PartnerRedemption``.

Signature (HMAC-SHA256 with the secret agreed with the partner, ``PartnerCity.shared_secret``; a value
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
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from heluo.core.codes import check_uscc, normalize_code
from heluo.core.middleware import acting_as
from heluo.core.models import Role
from heluo.core.permissions import SYSTEM, scope_for
from heluo.geo.models import Area
from heluo.orgs.models import Organization, OrganizationKind

from . import services
from .models import (
    EventKind,
    Programme,
    Provider,
    ProviderService,
    ProviderStatus,
    Redemption,
    RedemptionChannel,
    RedemptionStatus,
    Settlement,
    Voucher,
    VoucherEvent,
    VoucherStatus,
)
from .models_partner import PartnerCity, PartnerNonce, PartnerRedemption, PartnerRedemptionStatus, RedemptionModel
from .services import Refused, money, yuan_str

SCHEME = "HELUO-HMAC-SHA256"
H_PARTNER, H_TIMESTAMP, H_NONCE, H_SIGNATURE = "X-Heluo-Partner", "X-Heluo-Timestamp", "X-Heluo-Nonce", "X-Heluo-Signature"
API_PREFIX = "/api/v1/partner/vouchers/"
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,12}$")  # fits Area.code: the partner's area is created with this code
ZERO = Decimal("0.00")
LIVE = (PartnerRedemptionStatus.LOCKED, PartnerRedemptionStatus.SUBMITTED, PartnerRedemptionStatus.REDEEMED)


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


def home_code(partner: PartnerCity | None = None) -> str:
    """How the partner knows us: PartnerCity.our_code, else our city's area code (a city area that is not a
    partner's)."""
    if partner is not None and partner.our_code:
        return partner.our_code
    from heluo.geo.selectors import home_city

    city = home_city()
    code = city.code if city else None
    if not code:
        raise Refused(
            "home_code_unknown",
            "无法确定本市代码，请为合作城市配置 our_code",
            "Our own city code is unknown; set our_code on the partner city.",
            500,
        )
    return code


def _refuse(code, zh, en, status, field=None) -> Refused:
    return Refused(code, zh, en, status, field)


# --- signing ------------------------------------------------------------------------------------------


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical_request(method: str, path: str, partner_code: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, partner_code, timestamp, nonce, body_hash(body)]).encode()


def canonical_response(status: int, path: str, request_nonce: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join([f"{SCHEME}-RESPONSE", str(int(status)), path, request_nonce, timestamp, body_hash(body)]).encode()


def _mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_request(partner: PartnerCity, method: str, path: str, body: bytes, *, now: float | None = None, nonce: str | None = None) -> dict:
    """The headers of a call we make to `partner` (signed with the secret agreed with it)."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = nonce or secrets.token_urlsafe(24)
    me = home_code(partner)
    return {
        H_PARTNER: me,
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: _mac(secret_of(partner), canonical_request(method, path, me, timestamp, nonce, body)),
    }


def authenticate(method: str, path: str, headers, body: bytes, *, now: float | None = None) -> tuple[PartnerCity, str]:
    """Check a partner's signed call; returns (partner, nonce) or raises Refused (401, or 409 for a replay).
    The nonce is recorded only once the signature is good, so nobody can burn a partner's nonces."""
    code, timestamp, nonce, signature = (headers.get(h, "") or "" for h in (H_PARTNER, H_TIMESTAMP, H_NONCE, H_SIGNATURE))
    if not (code and timestamp and nonce and signature):
        raise _refuse(
            "signature_missing",
            "缺少签名信息（X-Heluo-Partner/Timestamp/Nonce/Signature）",
            "The call is not signed (X-Heluo-Partner, -Timestamp, -Nonce and -Signature are required).",
            401,
        )
    partner = PartnerCity.objects.select_related("area").filter(code=code).first()
    if partner is None or not partner.active:
        raise _refuse("unknown_partner", "未知或已停用的合作城市", "Unknown or inactive partner city.", 401)
    now = now if now is not None else time.time()
    try:
        stamp = int(timestamp)
    except ValueError:
        stamp = None
    if stamp is None or abs(now - stamp) > clock_skew():
        raise _refuse(
            "stale_timestamp",
            f"时间戳超出允许的{clock_skew()}秒误差，请校准时钟",
            f"The timestamp is more than {clock_skew()} seconds away from our clock; check the caller's clock.",
            401,
        )
    if not NONCE_RE.match(nonce):
        raise _refuse("bad_nonce", "随机串须为16–100位字母、数字、-或_", "The nonce must be 16–100 letters, digits, '-' or '_'.", 401)
    expected = _mac(secret_of(partner), canonical_request(method, path, code, timestamp, nonce, body))
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise _refuse("bad_signature", "签名无效", "The signature is not valid.", 401)
    try:
        with transaction.atomic():
            PartnerNonce.objects.create(partner=partner, nonce=nonce)
    except IntegrityError:
        raise _refuse(
            "replayed_nonce",
            "该请求已处理过（随机串重复），拒绝重放",
            "This request was seen before (nonce reused); a replay is refused.",
            409,
        ) from None
    # Nonces older than twice the window can go: a call carrying one is refused as stale anyway.
    PartnerNonce.objects.filter(partner=partner, received_at__lt=timezone.now() - dt.timedelta(seconds=2 * clock_skew())).delete()
    return partner, nonce


def sign_response(partner: PartnerCity, status: int, path: str, request_nonce: str, body: bytes) -> dict:
    timestamp = str(int(time.time()))
    return {H_TIMESTAMP: timestamp, H_SIGNATURE: _mac(secret_of(partner), canonical_response(status, path, request_nonce, timestamp, body))}


def response_is_authentic(partner: PartnerCity, status: int, path: str, request_nonce: str, headers, body: bytes) -> bool:
    timestamp, signature = headers.get(H_TIMESTAMP) or "", headers.get(H_SIGNATURE) or ""
    if not timestamp or not signature:
        return False
    expected = _mac(secret_of(partner), canonical_response(status, path, request_nonce, timestamp, body))
    return hmac.compare_digest(expected, signature.strip().lower())


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
        raise _refuse(
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
        raise _refuse("partner_code", "合作城市代码须为1–12位字母、数字或-", "A partner code is 1–12 letters, digits or '-'.", 422, "code")
    if urllib.parse.urlsplit(base_url or "").scheme not in ("http", "https"):
        raise _refuse(
            "partner_url",
            "平台地址须以 http:// 或 https:// 开头",
            "The platform address must start with http:// or https://.",
            422,
            "base_url",
        )
    if not secret.startswith("env:") and len(secret) < 32:
        raise _refuse("partner_secret", "密钥至少32个字符", "The shared secret must be at least 32 characters.", 422, "secret")
    if model not in RedemptionModel.values:
        raise _refuse(
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


def admits_partner_provider(provider: Provider, programme: Programme) -> bool:
    """Whether a provider admitted by another authority may contract for this programme's vouchers: yes when
    that authority is an active partner city and the provider is that city's own (an organization of the
    partner's area) — used by services.sign_contract."""
    return (
        PartnerCity.objects.filter(area_id=provider.authority_id, active=True).exists()
        and provider.organization.area_id == provider.authority_id
    )


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
        raise _refuse(*NOT_FOUND, 404)
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
        raise _refuse(
            "provider_uscc",
            f"服务机构统一社会信用代码无效：{check.reason_zh}",
            f"The provider's USCC is not valid: {check.reason_en}",
            422,
            "provider.uscc",
        )
    name = str(info.get("name", "")).strip()
    if not name:
        raise _refuse("provider_name", "请提供服务机构名称", "The provider's name is required.", 422, "provider.name")
    area = partner_area(partner)
    org = Organization.objects.filter(uscc=check.code).first()
    if org is not None and org.area_id != area.pk:
        # one of our own organizations (or another partner's): a partner may not admit it or contract in its name
        raise _refuse(
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
        raise _refuse(
            "provider_not_partners",
            "该服务机构不是合作城市登记的服务机构",
            "This provider is not one registered by the partner city.",
            409,
            "provider.uscc",
        )
    if provider.status != ProviderStatus.APPROVED:
        raise _refuse(
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
            raise services.wrong_state(v, "在合作城市签约", "locked for a partner city's contract")
        provider = _partner_provider(partner, provider_info, v.voucher_type.category, contract_value)
        v = services.sign_contract(SYSTEM, v, provider, contract_no, contract_value, signed_on)
        v = Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization").get(pk=v.pk)
        return {"voucher": voucher_view(partner, v), "lock": {"reference": _lock_reference(v)}, "replayed": False}


def _require_lock(partner: PartnerCity, v: Voucher):
    if not _locked_by(partner, v):
        raise _refuse(
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
        raise _refuse(
            "model_tongyong",
            "按“通用”模式，由企业全额付款后回发券地申请报销，服务机构不能直接兑付",
            "Under the tongyong model the enterprise pays and is reimbursed at home; a provider cannot redeem.",
            409,
        )
    reference = (partner_reference or "").strip()[:100]
    if not reference:
        raise _refuse(
            "reference_required", "请提供贵方的兑付编号", "Your reference of the redemption is required.", 422, "partner_reference"
        )
    with transaction.atomic():
        v = _voucher_for(partner, number, enterprise_uscc)
        _require_lock(partner, v)
        earlier = _partner_redemption(partner, v, reference)
        if earlier is not None and earlier.status != RedemptionStatus.REJECTED:
            return {"voucher": voucher_view(partner, v, reference), "redemption": _redemption_view(earlier), "replayed": True}
        if v.status == VoucherStatus.CONTRACTED:
            services.deliver(SYSTEM, v, note=f"{partner.name}服务机构验收 / accepted at the partner's provider")
        red = services.submit_redemption(SYSTEM, v, invoice_no=invoice_no, invoice_amount=invoice_amount, amount=amount, evidence=evidence)
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
            raise _refuse(
                "contract_recorded",
                "合同已在发券地登记，无待审兑付可撤回；解除合同须由发券地科技局办理",
                "The contract is on record with the issuing city and no claim is pending; only its bureau can undo the contract.",
                409,
            )
        services.reject_redemption(SYSTEM, v, f"合作城市{partner.name}撤回兑付申请 / withdrawn by partner city {partner.name}")
        red.refresh_from_db()
        v = Voucher.objects.select_related("programme", "voucher_type", "enterprise", "provider__organization").get(pk=v.pk)
        return {"voucher": voucher_view(partner, v, red.partner_reference), "redemption": _redemption_view(red), "withdrawn": True}


# --- the provider's side: a client of the partner's platform ------------------------------------------


class PartnerError(Refused):
    """The partner could not be reached, or its answer is not authentic: 502 (nothing was decided here)."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(code, zh, en, 502)


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str).encode()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class PartnerClient:
    """Signed calls to a partner's platform (urllib: no dependency). Returns (status, data) for every
    authentic answer; raises PartnerError when there is none."""

    def __init__(self, partner: PartnerCity, timeout: float | None = None):
        self.partner, self.timeout = partner, timeout or call_timeout()
        parts = urllib.parse.urlsplit(partner.base_url)
        self.base, self.prefix = partner.base_url.rstrip("/"), parts.path.rstrip("/")
        handlers = [urllib.request.ProxyHandler({})] if _is_loopback(parts.hostname or "") else []  # never proxy this machine
        self.opener = urllib.request.build_opener(*handlers)

    def call(self, action: str, payload: dict) -> tuple[int, dict]:
        path = f"{self.prefix}{API_PREFIX}{action}"
        body = canonical_json(payload)
        headers = sign_request(self.partner, "POST", path, body)
        request = urllib.request.Request(
            f"{self.base}{API_PREFIX}{action}",
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as resp:
                status, raw, rh = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            status, raw, rh = e.code, e.read(), e.headers
        except (urllib.error.URLError, OSError) as e:
            raise PartnerError(
                "partner_unreachable", f"无法连接{self.partner.name}平台：{e}", f"The {self.partner.name} platform cannot be reached: {e}"
            ) from None
        if status == 401:
            raise PartnerError(
                "partner_auth",
                f"{self.partner.name}平台拒绝了本平台的签名（请核对密钥、代码和时钟）",
                f"The {self.partner.name} platform refused our signature (check the secret, codes and clock).",
            )
        if not response_is_authentic(self.partner, status, path, headers[H_NONCE], rh, raw):
            raise PartnerError(
                "partner_unsigned",
                f"{self.partner.name}平台的答复未签名或签名无效（状态{status}）",
                f"The {self.partner.name} platform's answer is unsigned or its signature is wrong (status {status}).",
            )
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            raise PartnerError(
                "partner_bad_answer", f"{self.partner.name}平台的答复无法解析", f"The {self.partner.name} platform's answer is not JSON."
            ) from None

    def verify(self, number, enterprise_uscc, reference=""):
        return self.call("verify", {"number": number, "enterprise_uscc": enterprise_uscc, "partner_reference": reference})

    def lock(self, number, enterprise_uscc, provider: dict, contract_no, contract_value):
        return self.call(
            "lock",
            {
                "number": number,
                "enterprise_uscc": enterprise_uscc,
                "provider": provider,
                "contract_no": contract_no,
                "contract_value": str(contract_value),
            },
        )

    def redeem(self, number, enterprise_uscc, *, invoice_no, invoice_amount, amount, evidence, partner_reference):
        return self.call(
            "redeem",
            {
                "number": number,
                "enterprise_uscc": enterprise_uscc,
                "invoice_no": invoice_no,
                "invoice_amount": str(invoice_amount),
                "amount": None if amount is None else str(amount),
                "evidence": evidence,
                "partner_reference": partner_reference,
            },
        )

    def release(self, number, enterprise_uscc, partner_reference=""):
        return self.call("release", {"number": number, "enterprise_uscc": enterprise_uscc, "partner_reference": partner_reference})


def partner_refusal(partner: PartnerCity, status: int, data: dict) -> Refused:
    """The partner's bilingual refusal, relayed with its status (404, 409, 422)."""
    detail = (data or {}).get("detail")
    first = detail[0] if isinstance(detail, list) and detail and isinstance(detail[0], dict) else {}
    zh = first.get("zh") or first.get("message") or "合作城市拒绝了请求"
    en = first.get("en") or first.get("message") or "The partner city refused the request."
    return Refused(
        first.get("code") or "partner_refused",
        f"{partner.name}：{zh}",
        f"{partner.name}: {en}",
        status if status in (404, 409, 422) else 502,
        first.get("field"),
    )


def _our_provider(user) -> Provider:
    s = scope_for(user)
    if s.role != Role.ORG_USER or not s.organization_id:
        raise PermissionDenied("只有服务机构用户可以使用合作城市的创新券 / Only a provider's user may take partner cities' vouchers.")
    provider = Provider.objects.select_related("organization").filter(organization_id=s.organization_id).first()
    if provider is None or provider.status != ProviderStatus.APPROVED:
        raise _refuse(
            "provider_not_approved", "本机构未入库或已暂停", "Your organization is not an approved provider, or is suspended.", 409
        )
    if PartnerCity.objects.filter(area_id=provider.authority_id).exists():
        raise PermissionDenied("合作城市的服务机构不能在此使用合作城市的创新券 / A partner city's provider cannot act here.")
    if not provider.organization.uscc:
        raise _refuse(
            "provider_uscc_missing",
            "本机构未登记统一社会信用代码，合作城市无法识别",
            "Your organization has no USCC; the partner cannot identify it.",
            422,
        )
    return provider


def _require_own(user, pr: PartnerRedemption):
    s = scope_for(user)
    if not (s.role == Role.ORG_USER and s.organization_id == pr.provider.organization_id):
        raise PermissionDenied("只有签约服务机构可以办理 / Only the contracted provider may do this.")


def our_reference(pr: PartnerRedemption) -> str:
    return f"{home_code(pr.partner)}:PR{pr.pk}"


def _remember(pr: PartnerRedemption, http_status: int, data: dict, **fields):
    pr.last_response = {"http_status": http_status, "at": timezone.now().isoformat(), **(data or {})}
    for name, value in fields.items():
        setattr(pr, name, value)
    pr.save()


def _active(partner: PartnerCity):
    if not partner.active:
        raise _refuse("partner_inactive", f"与{partner.name}的合作已停用", f"The agreement with {partner.name} is inactive.", 409)


def check_partner_voucher(user, partner: PartnerCity, number: str, enterprise_uscc: str, client: PartnerClient | None = None) -> dict:
    """Ask the partner about one of its vouchers (before signing a contract)."""
    _our_provider(user)
    _active(partner)
    status, data = (client or PartnerClient(partner)).verify(number.strip(), normalize_code(enterprise_uscc))
    if status != 200:
        raise partner_refusal(partner, status, data)
    return data["voucher"]


def use_partner_voucher(
    user,
    partner: PartnerCity,
    number: str,
    *,
    enterprise_uscc: str,
    contract_no: str,
    contract_value,
    service: str = "",
    client: PartnerClient | None = None,
) -> PartnerRedemption:
    """Our provider signed a contract for a partner city's voucher: lock it at the partner and record it here.
    One live use per partner and voucher number; retrying the same contract after a lost answer is safe."""
    provider = _our_provider(user)
    _active(partner)
    number, uscc = (number or "").strip(), normalize_code(enterprise_uscc or "")
    contract_value = money(contract_value, "contract_value")
    contract_no = (contract_no or "").strip()[:80]
    if not number or not contract_no:
        raise _refuse("contract_no_required", "请填写券号和合同编号", "The voucher number and the contract number are required.", 422)
    pr = (
        PartnerRedemption.objects.select_related("provider", "partner")
        .filter(partner=partner, voucher_number=number, status__in=LIVE)
        .first()
    )
    if pr is not None and (pr.provider_id != provider.pk or pr.contract_no != contract_no):
        raise _refuse("in_use_here", "该券已由本市服务机构使用", "A provider here already holds this voucher.", 409)
    if pr is not None and pr.partner_reference:
        return pr  # already locked: the same answer
    if pr is None:
        try:
            with transaction.atomic():  # the partial unique index: one live use per voucher
                pr = PartnerRedemption.objects.create(
                    partner=partner,
                    provider=provider,
                    voucher_number=number,
                    enterprise_uscc=uscc,
                    contract_no=contract_no,
                    contract_value=contract_value,
                    created_by=services._actor(user),
                )
        except IntegrityError:
            raise _refuse("in_use_here", "该券已由本市服务机构使用", "A provider here already holds this voucher.", 409) from None
    org = provider.organization
    info = {"uscc": org.uscc, "name": org.name, "contact": provider.contact, "service": service}
    try:
        status, data = (client or PartnerClient(partner)).lock(number, uscc, info, contract_no, contract_value)
    except PartnerError as e:
        _remember(pr, 0, {"error": e.reason_code})  # stays locked-unconfirmed: a retry asks again
        raise
    if status != 200:
        _remember(pr, status, data, status=PartnerRedemptionStatus.REJECTED)
        raise partner_refusal(partner, status, data)
    v = data["voucher"]
    _remember(
        pr,
        status,
        data,
        enterprise_name=v["enterprise"]["name"][:200],
        face_value=Decimal(v["face_value"]),
        partner_reference=data["lock"]["reference"],
    )
    return pr


def redeem_partner_voucher(
    user, pr: PartnerRedemption, *, invoice_no: str, invoice_amount, amount=None, evidence=None, client: PartnerClient | None = None
) -> PartnerRedemption:
    """Claim the locked partner voucher at the partner (通兑 only). Safe to retry: the partner answers a
    repeated reference with the claim already made."""
    pr = PartnerRedemption.objects.select_related("partner", "provider__organization").get(pk=pr.pk)
    _require_own(user, pr)
    partner = pr.partner
    _active(partner)
    if partner.redemption_model != RedemptionModel.TONGDUI:
        raise _refuse(
            "model_tongyong",
            "按“通用”模式，服务机构不能直接兑付合作城市的创新券",
            "Under the tongyong model a provider cannot redeem a partner's voucher.",
            409,
        )
    if pr.status != PartnerRedemptionStatus.LOCKED or not pr.partner_reference:
        raise _refuse("wrong_state", "须先在合作城市锁定该券（签约）", "Lock the voucher at the partner (contract) first.", 409)
    invoice_amount = money(invoice_amount, "invoice_amount")
    amount = None if amount is None else money(amount, "amount")
    evidence = services._evidence(evidence)
    invoice_no = (invoice_no or "").strip()[:60]
    try:
        status, data = (client or PartnerClient(partner)).redeem(
            pr.voucher_number,
            pr.enterprise_uscc,
            invoice_no=invoice_no,
            invoice_amount=invoice_amount,
            amount=amount,
            evidence=evidence,
            partner_reference=our_reference(pr),
        )
    except PartnerError as e:
        _remember(pr, 0, {"error": e.reason_code})
        raise
    if status != 200:
        _remember(pr, status, data)
        raise partner_refusal(partner, status, data)
    red = data["redemption"]
    _remember(
        pr,
        status,
        data,
        status=PartnerRedemptionStatus.SUBMITTED,
        invoice_no=invoice_no,
        amount=Decimal(red["amount"]),
        partner_reference=red["reference"],
    )
    return pr


def refresh_partner_use(pr: PartnerRedemption, client: PartnerClient | None = None) -> PartnerRedemption:
    """Ask the partner how our use of its voucher stands: confirms a lock whose answer was lost, and learns
    the bureau's decision (accepted amount and date) and what it has paid."""
    pr = PartnerRedemption.objects.select_related("partner", "provider__organization").get(pk=pr.pk)
    status, data = (client or PartnerClient(pr.partner)).verify(pr.voucher_number, pr.enterprise_uscc, our_reference(pr))
    if status != 200:
        _remember(pr, status, data)
        raise partner_refusal(pr.partner, status, data)
    v, fields = data["voucher"], {}
    red = v.get("redemption") if v.get("locked_by_you") else None
    if v.get("locked_by_you") and v.get("contract_no") == pr.contract_no and v.get("provider_uscc") == pr.provider.organization.uscc:
        if not pr.partner_reference:
            fields.update(
                partner_reference=v["lock_reference"], enterprise_name=v["enterprise"]["name"][:200], face_value=Decimal(v["face_value"])
            )
        if red and red["partner_reference"] == our_reference(pr):
            fields["partner_reference"] = red["reference"]
            if red["status"] == RedemptionStatus.ACCEPTED:
                fields.update(
                    status=PartnerRedemptionStatus.REDEEMED,
                    accepted_amount=Decimal(red["accepted_amount"]),
                    redeemed_at=dt.datetime.fromisoformat(red["decided_at"]),
                    settled_amount=Decimal(v["settled_amount"]),
                )
            elif red["status"] == RedemptionStatus.SUBMITTED:
                fields["status"] = PartnerRedemptionStatus.SUBMITTED
            else:  # refused by the partner's bureau: the provider may correct and claim again
                fields["status"] = PartnerRedemptionStatus.LOCKED
    elif pr.partner_reference and pr.status in (PartnerRedemptionStatus.LOCKED, PartnerRedemptionStatus.SUBMITTED):
        fields["status"] = PartnerRedemptionStatus.REJECTED  # the voucher is no longer ours to use (expired, cancelled …)
    _remember(pr, status, data, **fields)
    return pr


def release_partner_voucher(user, pr: PartnerRedemption, client: PartnerClient | None = None) -> PartnerRedemption:
    """Withdraw: a lock the partner never confirmed is dropped here; a pending claim is withdrawn at the
    partner (the lock stays: only the partner's bureau can undo a recorded contract)."""
    pr = PartnerRedemption.objects.select_related("partner", "provider__organization").get(pk=pr.pk)
    _require_own(user, pr)
    client = client or PartnerClient(pr.partner)
    if not pr.partner_reference:
        pr = refresh_partner_use(pr, client)
        if not pr.partner_reference:
            _remember(pr, 0, {"released": True}, status=PartnerRedemptionStatus.RELEASED)
            return pr
    status, data = client.release(pr.voucher_number, pr.enterprise_uscc, our_reference(pr))
    if status != 200:
        _remember(pr, status, data)
        raise partner_refusal(pr.partner, status, data)
    _remember(pr, status, data, status=PartnerRedemptionStatus.LOCKED)
    return pr


def sync_partner(partner: PartnerCity, client: PartnerClient | None = None) -> dict:
    """Refresh every live use of the partner's vouchers (a periodic job; statements read what it stored)."""
    client = client or PartnerClient(partner)
    counts = {"refreshed": 0, "failed": 0}
    for pr in PartnerRedemption.objects.filter(partner=partner, status__in=LIVE).order_by("pk"):
        try:
            refresh_partner_use(pr, client)
            counts["refreshed"] += 1
        except Refused:
            counts["failed"] += 1
    return counts


# --- the settlement statement between two cities ------------------------------------------------------


def _period(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz),
    )


def _totals(lines: list[dict]) -> dict:
    total = sum((Decimal(x["amount"]) for x in lines), ZERO)
    paid = sum((Decimal(x["paid"]) for x in lines), ZERO)
    return {"lines": lines, "count": len(lines), "total": yuan_str(total), "paid": yuan_str(paid), "outstanding": yuan_str(total - paid)}


def settlement_statement(partner: PartnerCity, start: dt.date, end: dt.date) -> dict:
    """What each city owes for [start, end] (days, inclusive, by the date the issuing bureau accepted the
    redemption): `we_owe` — our vouchers redeemed at the partner's providers (accepted partner-channel
    Redemptions; paid = our settlements up to `end`); `partner_owes` — the partner's vouchers redeemed at our
    providers (PartnerRedemption redeemed; paid = what the partner last told us). net = partner_owes − we_owe:
    positive, the partner owes us. Each line carries both sides' references, so the partner's statement for
    the same period mirrors this one line by line."""
    if end < start:
        raise _refuse("period_invalid", "结束日期不能早于开始日期", "The period ends before it starts.", 422, "to")
    lo, hi = _period(start, end)
    we_owe = []
    if partner.area_id:
        reds = (
            Redemption.objects.filter(
                channel=RedemptionChannel.PARTNER,
                partner_authority_id=partner.area_id,
                status=RedemptionStatus.ACCEPTED,
                decided_at__gte=lo,
                decided_at__lt=hi,
            )
            .select_related("voucher__programme", "voucher__enterprise", "provider__organization")
            .order_by("decided_at", "pk")
        )
        for r in reds:
            paid = Settlement.objects.filter(voucher=r.voucher, paid_on__lte=end).aggregate(s=Sum("amount"))["s"] or ZERO
            amount = r.accepted_amount or ZERO
            we_owe.append(
                {
                    "redemption_id": r.pk,
                    "reference": f"redemption:{r.pk}",
                    "partner_reference": r.partner_reference,
                    "voucher": r.voucher.number,
                    "voucher_id": r.voucher_id,
                    "programme": r.voucher.programme.code,
                    "enterprise": {"name": r.voucher.enterprise.name, "uscc": r.voucher.enterprise.uscc},
                    "provider": {"name": r.provider.organization.name, "uscc": r.provider.organization.uscc},
                    "contract_no": r.contract_no,
                    "invoice_no": r.invoice_no,
                    "redeemed_at": r.decided_at.isoformat(),
                    "amount": yuan_str(amount),
                    "paid": yuan_str(paid),
                    "outstanding": yuan_str(amount - paid),
                }
            )
    partner_owes = []
    uses = (
        PartnerRedemption.objects.filter(partner=partner, status=PartnerRedemptionStatus.REDEEMED, redeemed_at__gte=lo, redeemed_at__lt=hi)
        .select_related("provider__organization")
        .order_by("redeemed_at", "pk")
    )
    for pr in uses:
        amount = pr.accepted_amount or ZERO
        partner_owes.append(
            {
                "partner_use_id": pr.pk,
                "reference": our_reference(pr),
                "partner_reference": pr.partner_reference,
                "voucher": pr.voucher_number,
                "enterprise": {"name": pr.enterprise_name, "uscc": pr.enterprise_uscc},
                "provider": {"name": pr.provider.organization.name, "uscc": pr.provider.organization.uscc},
                "contract_no": pr.contract_no,
                "invoice_no": pr.invoice_no,
                "redeemed_at": pr.redeemed_at.isoformat(),
                "amount": yuan_str(amount),
                "paid": yuan_str(pr.settled_amount),
                "outstanding": yuan_str(amount - pr.settled_amount),
            }
        )
    ours, theirs = _totals(we_owe), _totals(partner_owes)
    return {
        "partner": {
            "code": partner.code,
            "name": partner.name,
            "redemption_model": partner.redemption_model,
            "settlement_terms": partner.settlement_terms,
            "settlement_period_days": partner.settlement_period_days,
        },
        "us": home_code(partner),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "generated_at": timezone.now().isoformat(),
        "we_owe": ours,
        "partner_owes": theirs,
        "net": yuan_str(Decimal(theirs["total"]) - Decimal(ours["total"])),
        "net_outstanding": yuan_str(Decimal(theirs["outstanding"]) - Decimal(ours["outstanding"])),
    }


def partner_by_code(code: str) -> PartnerCity:
    partner = PartnerCity.objects.select_related("area").filter(code=code).first()
    if partner is None:
        raise _refuse("unknown_partner", f"未知的合作城市：{code}", f"Unknown partner city: {code}", 404, "partner")
    return partner


def acting_for(partner: PartnerCity):
    """Events and change-log rows of a partner's call name the partner (VoucherEvent.via is 20 characters)."""
    return acting_as(None, f"partner:{partner.code}"[:20])
