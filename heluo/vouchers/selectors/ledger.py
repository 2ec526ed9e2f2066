"""The programme's money as the ledger sees it: events replayed, checked against the counters and the
vouchers, and the daily reconciliation report. Reads only (the ledger itself is pure: engine.ledger)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ..engine import ledger
from ..engine.money import ZERO, yuan_str
from ..models import BudgetCounter, EnterpriseCounter, Programme, Voucher, VoucherEvent


def ledger_inputs(programme: Programme, until=None):
    """The programme's events as ledger rows (optionally only those before `until`) and its limits."""
    qs = VoucherEvent.objects.filter(programme=programme)
    if until is not None:
        qs = qs.filter(at__lt=until)
    rows = qs.order_by("id").values_list("id", "voucher_id", "voucher__voucher_type_id", "voucher__enterprise_id", "kind", "amount")
    events = [ledger.Event(*r) for r in rows.iterator(chunk_size=5000)]
    types = list(programme.types.all())
    limits = ledger.Limits(
        budget=programme.budget,
        enterprise_cap=programme.cap_per_enterprise,
        type_budgets={t.pk: t.budget for t in types},
        type_caps={t.pk: t.cap_per_voucher for t in types},
    )
    return events, limits


def check_programme(programme: Programme) -> tuple[ledger.Balances, list[ledger.Violation]]:
    """All invariants of a programme now: the events replayed, compared with the counters and the vouchers."""
    events, limits = ledger_inputs(programme)
    counters = {c.voucher_type_id: c.committed for c in BudgetCounter.objects.filter(programme=programme)}
    stored = {
        pk: (status, face, redeemed, settled)
        for pk, status, face, redeemed, settled in Voucher.objects.filter(programme=programme).values_list(
            "pk", "status", "face_value", "redeemed_amount", "settled_amount"
        )
    }
    return ledger.check(
        events,
        limits,
        programme_counter=counters.pop(None, ZERO),
        type_counters=counters,
        enterprise_counters=dict(EnterpriseCounter.objects.filter(programme=programme).values_list("organization_id", "committed")),
        stored=stored,
    )


def balances_dict(b: ledger.Balances, budget: Decimal) -> dict:
    figures = {
        "budget": budget,
        "issued": b.issued,
        "returned": b.returned,
        "released": b.released,
        "committed": b.committed,
        "available": budget - b.committed,
        "redeemed": b.redeemed,
        "settled": b.settled,
        "outstanding": b.outstanding,
        "payable": b.payable,
    }
    return {**{k: yuan_str(v) for k, v in figures.items()}, "vouchers": {k: v for k, v in sorted(b.counts.items())}}


def reconcile(programme: Programme, day: dt.date | None = None) -> dict:
    """The daily reconciliation report: balances at the start and end of `day` (derived from events), the
    day's movements, and every invariant — over the whole history up to the end of the day, and against
    the counters and vouchers as stored now."""
    day = day or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    end = start + dt.timedelta(days=1)
    opening_events, limits = ledger_inputs(programme, until=start)
    opening, _ = ledger.replay(opening_events, limits)
    closing_events, _ = ledger_inputs(programme, until=end)
    closing, historic = ledger.replay(closing_events, limits)
    _, now_violations = check_programme(programme)
    movements: dict[str, dict] = {}
    for kind, amount in VoucherEvent.objects.filter(programme=programme, at__gte=start, at__lt=end).values_list("kind", "amount"):
        m = movements.setdefault(kind, {"count": 0, "amount": ZERO})
        m["count"] += 1
        m["amount"] += amount
    violations = list(dict.fromkeys(historic + now_violations))
    by_inv = {}
    for v in violations:
        by_inv.setdefault(v.invariant, []).append(str(v))
    return {
        "programme": {
            "id": programme.pk,
            "code": programme.code,
            "name_zh": programme.name_zh,
            "name_en": programme.name_en,
            "is_example": programme.is_example,
        },
        "day": day.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "opening": balances_dict(opening, programme.budget),
        "movements": {k: {"count": m["count"], "amount": yuan_str(m["amount"])} for k, m in sorted(movements.items())},
        "closing": balances_dict(closing, programme.budget),
        "invariants": [
            {"code": code, "zh": zh, "en": en, "ok": code not in by_inv, "violations": by_inv.get(code, [])}
            for code, (zh, en) in ledger.INVARIANTS.items()
        ],
        "ok": not violations,
    }
