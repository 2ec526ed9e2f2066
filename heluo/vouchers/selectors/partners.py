"""Reads about partner cities: how they know us, which of their providers may serve our vouchers, our
providers' uses of their vouchers, and the settlement statement between two cities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from heluo.core.i18n import Refusal
from heluo.core.permissions import VIEW, scope_for
from heluo.geo.selectors import home_city

from ..engine.money import yuan_str
from ..models import (
    PartnerCity,
    PartnerRedemption,
    PartnerRedemptionStatus,
    Programme,
    Provider,
    ProviderStatus,
    Redemption,
    RedemptionChannel,
    RedemptionStatus,
    Settlement,
)

ZERO = Decimal("0.00")
LIVE = (PartnerRedemptionStatus.LOCKED, PartnerRedemptionStatus.SUBMITTED, PartnerRedemptionStatus.REDEEMED)


def home_code(partner: PartnerCity | None = None) -> str:
    """How the partner knows us: PartnerCity.our_code, else our city's area code (a city area that is not a
    partner's)."""
    if partner is not None and partner.our_code:
        return partner.our_code
    city = home_city()
    code = city.code if city else None
    if not code:
        raise Refusal(
            "home_code_unknown",
            "无法确定本市代码，请为合作城市配置 our_code",
            "Our own city code is unknown; set our_code on the partner city.",
            500,
        )
    return code


def admits_partner_provider(provider: Provider, programme: Programme) -> bool:
    """Whether a provider admitted by another authority may contract for this programme's vouchers: yes when
    that authority is an active partner city and the provider is that city's own (an organization of the
    partner's area) — used by services.sign_contract."""
    return (
        PartnerCity.objects.filter(area_id=provider.authority_id, active=True).exists()
        and provider.organization.area_id == provider.authority_id
    )


def our_reference(pr: PartnerRedemption) -> str:
    return f"{home_code(pr.partner)}:PR{pr.pk}"


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
        raise Refusal("period_invalid", "结束日期不能早于开始日期", "The period ends before it starts.", 422, "to")
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
        raise Refusal("unknown_partner", f"未知的合作城市：{code}", f"Unknown partner city: {code}", 404, "partner")
    return partner


def partner_cities_for(user):
    """The partner cities whose vouchers our providers may take: for the bureau and approved providers only."""
    scope = scope_for(user)
    if not (scope.is_bureau or Provider.objects.filter(organization_id=scope.organization_id, status=ProviderStatus.APPROVED).exists()):
        return PartnerCity.objects.none()
    return PartnerCity.objects.filter(active=True).order_by("code")


def partner_use_list(user, *, partner: str | None = None, status: str | None = None):
    """Our providers' uses of partner cities' vouchers (a provider sees its own, the bureau all)."""
    qs = PartnerRedemption.objects.restrict(user, VIEW).select_related("partner", "provider__organization")
    if partner:
        qs = qs.filter(partner__code=partner)
    if status:
        qs = qs.filter(status=status)
    return qs


def partner_use_get(user, pk) -> PartnerRedemption:
    return partner_use_list(user).get(pk=pk)
