"""Across cities, the provider's side: our providers take partner cities' vouchers. We call the partner's
platform (signed, see services.crosscity) to check, lock, claim and withdraw, and keep a PartnerRedemption."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from heluo.core.codes import normalize_code
from heluo.core.models import Role
from heluo.core.permissions import scope_for

from ..engine import signing
from ..models import PartnerCity, PartnerRedemption, PartnerRedemptionStatus, Provider, ProviderStatus, RedemptionModel, RedemptionStatus
from ..selectors.partners import LIVE, our_reference
from .common import Refused, actor, forbidden, money
from .contracts import checked_evidence
from .crosscity import call_timeout, response_is_authentic, sign_request

API_PREFIX = "/api/v1/partner/vouchers/"


class PartnerError(Refused):
    """The partner could not be reached, or its answer is not authentic: 502 (nothing was decided here)."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(code, zh, en, 502)


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
        body = signing.canonical_json(payload)
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
        if not response_is_authentic(self.partner, status, path, headers[signing.H_NONCE], rh, raw):
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
        raise forbidden("只有服务机构用户可以使用合作城市的创新券", "Only a provider's user may take partner cities' vouchers.")
    provider = Provider.objects.select_related("organization").filter(organization_id=s.organization_id).first()
    if provider is None or provider.status != ProviderStatus.APPROVED:
        raise Refused(
            "provider_not_approved", "本机构未入库或已暂停", "Your organization is not an approved provider, or is suspended.", 409
        )
    if PartnerCity.objects.filter(area_id=provider.authority_id).exists():
        raise forbidden("合作城市的服务机构不能在此使用合作城市的创新券", "A partner city's provider cannot act here.")
    if not provider.organization.uscc:
        raise Refused(
            "provider_uscc_missing",
            "本机构未登记统一社会信用代码，合作城市无法识别",
            "Your organization has no USCC; the partner cannot identify it.",
            422,
        )
    return provider


def _require_own(user, pr: PartnerRedemption):
    s = scope_for(user)
    if not (s.role == Role.ORG_USER and s.organization_id == pr.provider.organization_id):
        raise forbidden("只有签约服务机构可以办理", "Only the contracted provider may do this.")


def _remember(pr: PartnerRedemption, http_status: int, data: dict, **fields):
    pr.last_response = {"http_status": http_status, "at": timezone.now().isoformat(), **(data or {})}
    for name, value in fields.items():
        setattr(pr, name, value)
    pr.save()


def _active(partner: PartnerCity):
    if not partner.active:
        raise Refused("partner_inactive", f"与{partner.name}的合作已停用", f"The agreement with {partner.name} is inactive.", 409)


def check_partner_voucher(user, partner: PartnerCity, *, number: str, enterprise_uscc: str, client: PartnerClient | None = None) -> dict:
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
    *,
    number: str,
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
        raise Refused("contract_no_required", "请填写券号和合同编号", "The voucher number and the contract number are required.", 422)
    pr = (
        PartnerRedemption.objects.select_related("provider", "partner")
        .filter(partner=partner, voucher_number=number, status__in=LIVE)
        .first()
    )
    if pr is not None and (pr.provider_id != provider.pk or pr.contract_no != contract_no):
        raise Refused("in_use_here", "该券已由本市服务机构使用", "A provider here already holds this voucher.", 409)
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
                    created_by=actor(user),
                )
        except IntegrityError:
            raise Refused("in_use_here", "该券已由本市服务机构使用", "A provider here already holds this voucher.", 409) from None
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
        raise Refused(
            "model_tongyong",
            "按“通用”模式，服务机构不能直接兑付合作城市的创新券",
            "Under the tongyong model a provider cannot redeem a partner's voucher.",
            409,
        )
    if pr.status != PartnerRedemptionStatus.LOCKED or not pr.partner_reference:
        raise Refused("wrong_state", "须先在合作城市锁定该券（签约）", "Lock the voucher at the partner (contract) first.", 409)
    invoice_amount = money(invoice_amount, "invoice_amount")
    amount = None if amount is None else money(amount, "amount")
    evidence = checked_evidence(evidence)
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


def release_partner_voucher(user, pr: PartnerRedemption, *, client: PartnerClient | None = None) -> PartnerRedemption:
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
