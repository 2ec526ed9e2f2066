"""Reads the voucher web pages need beyond ``selectors``: budget use by type, district and provider, the
leverage figure, the bureau's work queues and an enterprise's view of the programmes open to it.

Every function either takes a queryset the caller has already scoped (``voucher_list(user)``)
or starts from the user's scope itself, so a district's figures cover only its areas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from heluo.core.permissions import VIEW

from ..engine import ledger
from ..models import (
    AllocationMode,
    BudgetCounter,
    EnterpriseCounter,
    Programme,
    Provider,
    ProviderStatus,
    Redemption,
    RedemptionStatus,
    VoucherStatus,
)
from .eligibility import Eligibility, eligibility
from .vouchers import programme_list, provider_list, voucher_list

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REDEEMED_STATES = (VoucherStatus.REDEEMED, VoucherStatus.SETTLED)
RETURNED_STATES = (VoucherStatus.EXPIRED, VoucherStatus.CANCELLED)
EXPIRY_WARNING_DAYS = 30  # an open voucher this close to its expiry is flagged on the enterprise's pages


def _m(value) -> Decimal:
    """Money as Decimal with two places (SQLite sums may come back as int or float)."""
    return Decimal(str(value or 0)).quantize(CENT)


# --- leverage -----------------------------------------------------------------------------------------


def leverage(contract_total, redeemed_total) -> Decimal | None:
    """Enterprise money spent per voucher yuan: (Σ contract value − Σ redeemed) / Σ redeemed, over redeemed
    vouchers. None when nothing has been redeemed yet (no denominator)."""
    contract_total, redeemed_total = _m(contract_total), _m(redeemed_total)
    if redeemed_total <= 0:
        return None
    return ((contract_total - redeemed_total) / redeemed_total).quantize(CENT)


def leverage_of(vouchers) -> dict:
    """The leverage of a (scoped) voucher queryset, with the two sums it is computed from."""
    agg = vouchers.filter(status__in=REDEEMED_STATES).aggregate(
        n=Count("pk"), contract=Sum("contract_value"), redeemed=Sum("redeemed_amount")
    )
    contract, redeemed = _m(agg["contract"]), _m(agg["redeemed"])
    return {
        "count": agg["n"],
        "contract": contract,
        "redeemed": redeemed,
        "own": contract - redeemed,
        "ratio": leverage(contract, redeemed),
    }


# --- budget use ---------------------------------------------------------------------------------------

GROUPS = {
    "type": ("voucher_type_id", "voucher_type__code", "voucher_type__name_zh", "voucher_type__name_en"),
    "area": ("enterprise__area_id", "enterprise__area__name_zh", "enterprise__area__name_en"),
    "provider": ("provider_id", "provider__organization__name"),
}


def _figures(row: dict) -> dict:
    issued, returned = _m(row.get("issued")), _m(row.get("returned"))
    open_face, redeemed, settled = _m(row.get("open_face")), _m(row.get("redeemed")), _m(row.get("settled"))
    committed = open_face + redeemed  # = issued − returned − released (the ledger's definition)
    return {
        "count": row.get("count") or 0,
        "issued": issued,
        "returned": returned,
        "released": issued - returned - committed,
        "committed": committed,
        "redeemed": redeemed,
        "settled": settled,
        "payable": redeemed - settled,
        "contract": _m(row.get("contract")),
        "redeemed_count": row.get("redeemed_count") or 0,
    }


def _aggregate(vouchers, keys=()):
    qs = vouchers.filter(issued_at__isnull=False)  # applications never issued hold no money
    sums = dict(
        count=Count("pk"),
        issued=Sum("face_value"),
        returned=Sum("face_value", filter=Q(status__in=RETURNED_STATES)),
        open_face=Sum("face_value", filter=Q(status__in=ledger.OPEN_STATES)),
        redeemed=Sum("redeemed_amount"),
        settled=Sum("settled_amount"),
        contract=Sum("contract_value", filter=Q(status__in=REDEEMED_STATES)),
        redeemed_count=Count("pk", filter=Q(status__in=REDEEMED_STATES)),
    )
    if not keys:
        return qs.aggregate(**sums)
    return qs.order_by().values(*keys).annotate(**sums).order_by(*keys[1:])


def budget_use(vouchers, by: str, programme: Programme | None = None) -> list[dict]:
    """Issued / committed / redeemed / settled of a scoped voucher queryset grouped by voucher type, by the
    enterprise's area or by provider. With the programme, every type is listed (also those not used yet)
    and a type with a budget of its own shows what is still available of it."""
    keys = GROUPS[by]
    rows = []
    for row in _aggregate(vouchers, keys):
        if by == "provider" and row["provider_id"] is None:
            label = None  # issued, no contract yet
        elif by == "provider":
            label = {"zh": row["provider__organization__name"], "en": row["provider__organization__name"]}
        else:
            label = {"zh": row[keys[-2]], "en": row[keys[-1]] or row[keys[-2]]}
        rows.append({"key": row[keys[0]], "label": label, **_figures(row)})
    if by == "type" and programme is not None:
        seen = {r["key"]: r for r in rows}
        # what is left of a type's own budget is programme-wide, whatever part of the vouchers the viewer sees
        type_committed = dict(
            BudgetCounter.objects.filter(programme=programme, voucher_type__isnull=False).values_list("voucher_type_id", "committed")
        )
        rows = []
        for t in programme.types.all():
            r = seen.get(t.pk) or {"key": t.pk, **_figures({})}
            r["label"] = {"zh": t.name_zh, "en": t.name_en or t.name_zh}
            r["budget"] = t.budget
            r["available"] = None if t.budget is None else t.budget - type_committed.get(t.pk, r["committed"])
            rows.append(r)
    elif by == "provider":
        rows.sort(key=lambda r: (r["label"] is None, -r["committed"]))
    else:
        rows.sort(key=lambda r: -r["committed"])
    return rows


def totals(vouchers) -> dict:
    return _figures(_aggregate(vouchers))


# --- an enterprise's view -----------------------------------------------------------------------------


@dataclass
class ProgrammeOffer:
    programme: Programme
    eligibility: Eligibility
    window: str  # "open", "not_yet" or "closed"
    own_committed: Decimal
    cap: Decimal | None

    @property
    def can_apply(self) -> bool:
        return self.window == "open" and self.eligibility.ok


def window_state(programme: Programme, at=None) -> str:
    at = at or timezone.now()
    if at < programme.window_opens:
        return "not_yet"
    return "open" if at < programme.window_closes else "closed"


def offers(user, organization, today: dt.date | None = None) -> list[ProgrammeOffer]:
    """The published programmes with the enterprise's eligibility (eligibility, explained) and
    what it already holds against the cap."""

    today = today or timezone.localdate()
    held = dict(EnterpriseCounter.objects.filter(organization=organization).values_list("programme_id", "committed"))
    out = []
    for p in programme_list(user).order_by("-year", "-window_closes"):
        out.append(ProgrammeOffer(p, eligibility(p, organization, today), window_state(p), _m(held.get(p.pk)), p.cap_per_enterprise))
    return out


def days_left(voucher, today: dt.date | None = None) -> int | None:
    if voucher.expires_on is None:
        return None
    return (voucher.expires_on - (today or timezone.localdate())).days


def expiry_warning(voucher, today: dt.date | None = None) -> bool:
    """An open voucher (issued, contracted or delivered) that expires within EXPIRY_WARNING_DAYS."""
    left = days_left(voucher, today)
    return voucher.status in ledger.TRANSITIONS["expired"][0] and left is not None and 0 <= left <= EXPIRY_WARNING_DAYS


def contract_providers(voucher):
    """Providers the enterprise may sign this voucher's contract with (the rules of services.sign_contract):
    approved, admitted by the programme's authority, offering the voucher's category, not itself."""
    return (
        Provider.objects.filter(
            status=ProviderStatus.APPROVED,
            authority_id=voucher.programme.authority_id,
            services__category=voucher.voucher_type.category,
            services__is_active=True,
        )
        .exclude(organization_id=voucher.enterprise_id)
        .select_related("organization")
        .distinct()
        .order_by("organization__name")
    )


def provider_of(organization_id) -> Provider | None:
    if not organization_id:
        return None
    return (
        Provider.objects.filter(organization_id=organization_id)
        .select_related("organization", "authority")
        .prefetch_related("services")
        .first()
    )


# --- the bureau's queues ------------------------------------------------------------------------------


def redemptions_to_verify(user):
    return (
        Redemption.objects.restrict(user, VIEW)
        .filter(status=RedemptionStatus.SUBMITTED)
        .select_related("voucher__programme", "voucher__voucher_type", "voucher__enterprise", "provider__organization")
        .order_by("submitted_at", "pk")
    )


def vouchers_to_settle(user):
    return (
        voucher_list(user, status=VoucherStatus.REDEEMED)
        .filter(settled_amount__lt=F("redeemed_amount"))
        .annotate(due=F("redeemed_amount") - F("settled_amount"))
        .order_by("updated", "pk")
    )


def applications_to_review(user, programme=None):
    qs = voucher_list(user, programme=programme, status=VoucherStatus.APPLIED).filter(programme__allocation_mode=AllocationMode.REVIEW)
    return qs.order_by("programme", F("review_score").desc(nulls_last=True), "arrived_at", "pk")


def queue_counts(user) -> dict:
    return {
        "verify": redemptions_to_verify(user).count(),
        "settle": vouchers_to_settle(user).count(),
        "review": applications_to_review(user).count(),
        "providers": provider_list(user, ProviderStatus.APPLIED).count(),
    }
