"""Reads of voucher programmes, vouchers and providers. Every function starts from the user's scope."""

from django.db.models import Count, Q, Sum

from heluo.core.permissions import VIEW, scope_for

from ..engine.money import ZERO, yuan_str
from ..models import BudgetCounter, EnterpriseCounter, Programme, Provider, Redemption, Voucher, VoucherEvent, VoucherStatus, VoucherType
from .ledger import balances_dict, check_programme


def programme_list(user):
    return Programme.objects.restrict(user, VIEW).select_related("authority").prefetch_related("types")


def programme_get(user, pk) -> Programme:
    return programme_list(user).get(pk=pk)


def voucher_type_by_ref(user, programme_ref, code: str) -> VoucherType:
    """A voucher type, with its programme, of a programme the caller may see (by id or code) — one query, for the
    hot path of applications. Raises Programme.DoesNotExist or VoucherType.DoesNotExist, like the two look-ups."""
    by_id = isinstance(programme_ref, int) or (isinstance(programme_ref, str) and programme_ref.isdigit())
    lookup = {"pk": int(programme_ref)} if by_id else {"code": str(programme_ref)}
    # a type is seen where its programme is (VoucherType.scope_q is Programme's, through the join)
    types = VoucherType.objects.restrict(user, VIEW).select_related("programme")
    try:
        return types.get(code=code, **{f"programme__{k}": v for k, v in lookup.items()})
    except VoucherType.DoesNotExist:
        Programme.objects.restrict(user, VIEW).get(**lookup)  # asked only when one of the two is missing
        raise


def voucher_list(user, *, programme=None, status=None, enterprise=None):
    qs = Voucher.objects.restrict(user, VIEW).select_related("programme", "voucher_type", "enterprise", "provider__organization")
    if programme is not None:
        qs = qs.filter(programme=programme)
    if status:
        qs = qs.filter(status__in=status if isinstance(status, (list, tuple)) else [status])
    if enterprise is not None:
        qs = qs.filter(enterprise_id=enterprise)
    return qs


def voucher_get(user, pk) -> Voucher:
    return voucher_list(user).get(pk=pk)


APPLICATION_DETAILS = ("eligibility", "idempotency_key", "requested", "score")  # the enterprise's and the bureau's


def voucher_events(user, voucher: Voucher):
    """The voucher's events; a provider sees the life of the voucher but not the enterprise's application
    details (its eligibility basis, review score, request key). Redacted in memory, never saved."""
    events = list(VoucherEvent.objects.restrict(user, VIEW).filter(voucher=voucher).select_related("actor").order_by("id"))
    scope = scope_for(user)
    if not (scope.is_bureau or scope.area_ids or scope.organization_id == voucher.enterprise_id):
        for e in events:
            e.payload = {k: v for k, v in (e.payload or {}).items() if k not in APPLICATION_DETAILS}
    return events


def voucher_redemptions(user, voucher: Voucher):
    return Redemption.objects.restrict(user, VIEW).filter(voucher=voucher).order_by("id")


def _counter_balances(programme: Programme) -> dict:
    """The public figures from the issuers' counter and two sums: constant work whatever the history (the full
    replay of the events is the bureau's reconciliation, not something an anonymous caller may trigger)."""

    committed = (
        BudgetCounter.objects.filter(programme=programme, voucher_type__isnull=True).values_list("committed", flat=True).first()
    ) or ZERO
    sums = Voucher.objects.filter(programme=programme).aggregate(
        r=Sum("redeemed_amount"),
        s=Sum("settled_amount"),
        i=Sum("face_value", filter=~Q(status__in=[VoucherStatus.APPLIED, VoucherStatus.REJECTED])),
    )  # gross face value issued
    figures = {
        "budget": programme.budget,
        "issued": sums["i"] or ZERO,
        "committed": committed,
        "available": programme.budget - committed,
        "redeemed": sums["r"] or ZERO,
        "settled": sums["s"] or ZERO,
    }
    return {k: yuan_str(v) for k, v in figures.items()}


def programme_balance(user, programme: Programme) -> dict:
    """Budget, committed, available, redeemed, settled — derived from events. The bureau also gets the
    balances per type and the invariants; an enterprise also gets its own committed amount."""
    scope = scope_for(user)
    if not scope.is_bureau:
        out = {"programme": programme.pk, "code": programme.code, "is_example": programme.is_example, **_counter_balances(programme)}
    else:
        balances, violations = check_programme(programme)
        out = {
            "programme": programme.pk,
            "code": programme.code,
            "is_example": programme.is_example,
            **balances_dict(balances, programme.budget),
        }
    if scope.is_bureau:
        types = {t.pk: t for t in programme.types.all()}
        out["by_type"] = [
            {
                "code": types[tid].code,
                "committed": yuan_str(v),
                "budget": None if types[tid].budget is None else yuan_str(types[tid].budget),
            }
            for tid, v in sorted(balances.by_type.items())
            if tid in types
        ]
        out["invariants_ok"] = not violations
        out["violations"] = [str(v) for v in violations]
    else:
        out.pop("vouchers", None)  # counts by status are the bureau's
    if scope.organization_id:
        own = (
            EnterpriseCounter.objects.filter(programme=programme, organization_id=scope.organization_id)
            .values_list("committed", flat=True)
            .first()
        )
        out["own_committed"] = yuan_str(own)
        out["own_cap"] = None if programme.cap_per_enterprise is None else yuan_str(programme.cap_per_enterprise)
    return out


def provider_list(user, status=None):
    qs = Provider.objects.restrict(user, VIEW).select_related("organization", "authority").prefetch_related("services")
    if status:
        qs = qs.filter(status=status)
    return qs


def provider_get(user, pk) -> Provider:
    return provider_list(user).get(pk=pk)


def provider_record(provider: Provider) -> dict:
    """A provider's record of vouchers: contracted, claimed, redeemed and settled (counts and amounts).
    Public for an approved provider: it is how enterprises choose, and how the bureau watches."""
    return provider_records([provider])[provider.pk]


def provider_records(providers) -> dict[int, dict]:
    """``provider_record`` for many providers in two grouped queries (the bureau's providers page)."""
    ids = [p.pk for p in providers]
    agg = {
        r.pop("provider"): r
        for r in Voucher.objects.filter(provider__in=ids)
        .order_by()
        .values("provider")
        .annotate(
            contracted=Count("pk"),
            redeemed=Count("pk", filter=Q(status__in=[VoucherStatus.REDEEMED, VoucherStatus.SETTLED])),
            redeemed_amount=Sum("redeemed_amount"),
            settled_amount=Sum("settled_amount"),
        )
    }
    reds = {
        r.pop("provider"): r
        for r in Redemption.objects.filter(provider__in=ids)
        .order_by()
        .values("provider")
        .annotate(claims=Count("pk"), rejected=Count("pk", filter=Q(status="rejected")), pending=Count("pk", filter=Q(status="submitted")))
    }
    out = {}
    for pk in ids:
        a, r = agg.get(pk, {}), reds.get(pk, {})
        out[pk] = {
            "contracted": a.get("contracted", 0),
            "redeemed": a.get("redeemed", 0),
            "redeemed_amount": yuan_str(a.get("redeemed_amount")),
            "settled_amount": yuan_str(a.get("settled_amount")),
            "claims": r.get("claims", 0),
            "claims_rejected": r.get("rejected", 0),
            "claims_pending": r.get("pending", 0),
        }
    return out
