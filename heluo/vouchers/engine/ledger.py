"""The voucher ledger: balances derived from events, and the invariants money must keep.

Pure Python (no Django): the services feed it event rows read from the database, the reconciliation
report and the tests feed it the same rows, and a property test can feed it anything.

Every state change of a voucher is one event. What each kind does to the money:

    applied, reviewed, rejected, contracted, delivered, redemption_rejected   nothing
    issued                 the face value is committed against the budget
    expired, cancelled     the committed face value returns to the budget (amount = face value; 0 if never issued)
    redemption_submitted   a claim (amount ≤ what the voucher can pay)
    verified               the redemption is accepted for `amount` ≤ face value; the unused rest returns to the budget
    settled                `amount` is paid to the provider (several instalments may add up to the redeemed amount)

committed = issued − returned − released, i.e. what the programme owes or may still owe. Invariants:

    budget              committed ≤ programme budget, after every event (not only at the end)
    type_budget         committed per voucher type ≤ that type's budget, where it has one
    enterprise_cap      committed per enterprise ≤ the programme's cap per enterprise
    voucher_cap         each face value ≤ its type's cap per voucher
    lifecycle           events follow the state machine below: a voucher is issued at most once,
                        redeemed (verified) at most once, never expires after redemption …
    redeemed_le_face    redeemed ≤ face value, claimed ≤ face value
    settled_le_redeemed settled ≤ redeemed, per voucher and so in total
    returned_eq_face    an expiry or cancellation returns exactly the committed face value
    counter             the counters the issuers lock equal the balances derived here
    stored_state        each voucher's stored status and amounts equal those derived here
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0")

# kind → (states it may follow, state it leads to); None = a voucher's first event.
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str | None]] = {
    "applied": ((None,), "applied"),
    "reviewed": (("applied",), "applied"),
    "issued": (("applied",), "issued"),
    "rejected": (("applied",), "rejected"),
    "contracted": (("issued",), "contracted"),
    "delivered": (("contracted",), "delivered"),
    "redemption_submitted": (("delivered",), "redemption_submitted"),
    "redemption_rejected": (("redemption_submitted",), "delivered"),  # the provider may correct and resubmit
    "verified": (("redemption_submitted",), "redeemed"),
    "settled": (("redeemed",), None),  # stays redeemed until fully paid, then settled
    "expired": (("issued", "contracted", "delivered"), "expired"),
    "cancelled": (("applied", "issued", "contracted", "delivered"), "cancelled"),
}
EVENT_KINDS = tuple(TRANSITIONS)
STATUSES = (
    "applied",
    "rejected",
    "issued",
    "contracted",
    "delivered",
    "redemption_submitted",
    "redeemed",
    "settled",
    "expired",
    "cancelled",
)
# States in which the face value is still committed and not yet redeemed (what expiry may return).
OPEN_STATES = ("issued", "contracted", "delivered", "redemption_submitted")

INVARIANTS = {
    "budget": ("已发放金额不超过预算", "issued amount within budget"),
    "type_budget": ("各券种已发放金额不超过券种预算", "issued amount per voucher type within its budget"),
    "enterprise_cap": ("每家企业已获金额不超过企业上限", "amount per enterprise within its cap"),
    "voucher_cap": ("券面额不超过单张上限", "face value within the cap per voucher"),
    "lifecycle": ("状态变化符合流程（每张券至多发放一次、兑付一次）", "state changes follow the life cycle (issued once, redeemed once)"),
    "redeemed_le_face": ("兑付金额不超过券面额", "redeemed amount within the face value"),
    "settled_le_redeemed": ("结算金额不超过兑付金额", "settled amount within the redeemed amount"),
    "returned_eq_face": ("过期或作废退回的金额等于券面额", "expiry or cancellation returns exactly the face value"),
    "counter": ("计数器与事件推导的余额一致", "counters equal the balances derived from events"),
    "stored_state": ("券的状态和金额与事件一致", "vouchers' stored status and amounts equal the events"),
}


@dataclass(frozen=True)
class Event:
    id: int
    voucher_id: int
    type_id: int
    enterprise_id: int
    kind: str
    amount: Decimal = ZERO


@dataclass(frozen=True)
class Limits:
    budget: Decimal
    enterprise_cap: Decimal | None = None
    type_budgets: Mapping[int, Decimal | None] = field(default_factory=dict)
    type_caps: Mapping[int, Decimal | None] = field(default_factory=dict)  # cap per voucher


@dataclass
class VoucherState:
    status: str | None = None
    face: Decimal = ZERO
    redeemed: Decimal = ZERO
    settled: Decimal = ZERO
    claimed: Decimal = ZERO


@dataclass
class Balances:
    issued: Decimal = ZERO  # gross face value ever issued
    returned: Decimal = ZERO  # expired + cancelled
    released: Decimal = ZERO  # unused part of redeemed vouchers
    redeemed: Decimal = ZERO
    settled: Decimal = ZERO
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # vouchers per status
    by_type: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # committed
    by_enterprise: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # committed
    vouchers: dict[int, VoucherState] = field(default_factory=dict)

    @property
    def committed(self) -> Decimal:
        return self.issued - self.returned - self.released

    @property
    def outstanding(self) -> Decimal:
        """Issued and not yet redeemed, expired or cancelled: what may still be claimed."""
        return self.committed - self.redeemed

    @property
    def payable(self) -> Decimal:
        """Redeemed and not yet paid."""
        return self.redeemed - self.settled


@dataclass(frozen=True)
class Violation:
    invariant: str
    detail: str
    voucher_id: int | None = None
    event_id: int | None = None

    @property
    def zh(self) -> str:
        return INVARIANTS[self.invariant][0]

    @property
    def en(self) -> str:
        return INVARIANTS[self.invariant][1]

    def __str__(self):
        where = f" voucher {self.voucher_id}" if self.voucher_id is not None else ""
        return f"[{self.invariant}]{where}: {self.detail}"


def replay(events: Iterable[Event], limits: Limits) -> tuple[Balances, list[Violation]]:
    """Apply events in order (their id order is the order the issuers serialised them in); return the
    balances and every invariant broken on the way. Limits are checked after each event, so a budget
    that was exceeded for a moment and then restored is still reported."""
    b = Balances()
    bad: list[Violation] = []
    reported: set[tuple] = set()

    def violate(inv, detail, ev=None, key=None):
        key = key or (inv, ev.voucher_id if ev else None, detail)
        if key not in reported:
            reported.add(key)
            bad.append(Violation(inv, detail, ev.voucher_id if ev else None, ev.id if ev else None))

    for ev in sorted(events, key=lambda e: e.id):
        v = b.vouchers.setdefault(ev.voucher_id, VoucherState())
        amount = Decimal(ev.amount or 0)
        if amount < 0:
            violate("lifecycle", f"negative amount {amount} on {ev.kind}", ev)
        if ev.kind not in TRANSITIONS:
            violate("lifecycle", f"unknown event kind {ev.kind!r}", ev)
            continue
        sources, target = TRANSITIONS[ev.kind]
        if v.status not in sources:
            violate("lifecycle", f"{ev.kind} after {v.status or 'nothing'} (event {ev.id})", ev)
            continue  # an illegal event changes nothing: the balances stay those of the legal history
        delta_type = ZERO
        if ev.kind == "issued":
            v.face = amount
            b.issued += amount
            delta_type = amount
            cap = limits.type_caps.get(ev.type_id)
            if cap is not None and amount > cap:
                violate("voucher_cap", f"face value {amount} > cap {cap}", ev)
        elif ev.kind in ("expired", "cancelled"):
            expected = v.face if v.status != "applied" else ZERO
            if amount != expected:
                violate("returned_eq_face", f"{ev.kind} returned {amount}, face value {expected}", ev)
            b.returned += expected
            delta_type = -expected
        elif ev.kind == "redemption_submitted":
            v.claimed = amount
            if amount > v.face:
                violate("redeemed_le_face", f"claimed {amount} > face value {v.face}", ev)
        elif ev.kind == "verified":
            if amount > v.face:
                violate("redeemed_le_face", f"redeemed {amount} > face value {v.face}", ev)
            v.redeemed = amount
            b.redeemed += amount
            b.released += v.face - amount
            delta_type = -(v.face - amount)
        elif ev.kind == "settled":
            v.settled += amount
            b.settled += amount
            if v.settled > v.redeemed:
                violate("settled_le_redeemed", f"settled {v.settled} > redeemed {v.redeemed}", ev)
            target = "settled" if v.settled >= v.redeemed else "redeemed"
        if delta_type:
            b.by_type[ev.type_id] += delta_type
            b.by_enterprise[ev.enterprise_id] += delta_type
        v.status = target
        # Limits after every event: an overrun is an overrun even if a later return hides it.
        if b.committed > limits.budget:
            violate("budget", f"committed {b.committed} > budget {limits.budget}", ev, key=("budget",))
        tb = limits.type_budgets.get(ev.type_id)
        if tb is not None and b.by_type[ev.type_id] > tb:
            violate("type_budget", f"type {ev.type_id}: committed {b.by_type[ev.type_id]} > {tb}", ev, key=("type_budget", ev.type_id))
        if limits.enterprise_cap is not None and b.by_enterprise[ev.enterprise_id] > limits.enterprise_cap:
            violate(
                "enterprise_cap",
                f"enterprise {ev.enterprise_id}: {b.by_enterprise[ev.enterprise_id]} > cap {limits.enterprise_cap}",
                ev,
                key=("enterprise_cap", ev.enterprise_id),
            )
    for v in b.vouchers.values():
        b.counts[v.status] += 1
    return b, bad


def check(
    events: Iterable[Event],
    limits: Limits,
    *,
    programme_counter: Decimal | None = None,
    type_counters: Mapping[int, Decimal] | None = None,
    enterprise_counters: Mapping[int, Decimal] | None = None,
    stored: Mapping[int, tuple[str, Decimal, Decimal, Decimal]] | None = None,
) -> tuple[Balances, list[Violation]]:
    """replay() plus the comparisons with what is stored: the issuers' counters and each voucher's
    (status, face value, redeemed, settled). Returns the balances and all violations."""
    b, bad = replay(events, limits)
    if programme_counter is not None and programme_counter != b.committed:
        bad.append(Violation("counter", f"programme counter {programme_counter} ≠ derived {b.committed}"))
    for type_id, value in (type_counters or {}).items():
        if value != b.by_type.get(type_id, ZERO):
            bad.append(Violation("counter", f"type {type_id} counter {value} ≠ derived {b.by_type.get(type_id, ZERO)}"))
    for ent_id, value in (enterprise_counters or {}).items():
        if value != b.by_enterprise.get(ent_id, ZERO):
            bad.append(Violation("counter", f"enterprise {ent_id} counter {value} ≠ derived {b.by_enterprise.get(ent_id, ZERO)}"))
    for ent_id, value in b.by_enterprise.items():
        if value and enterprise_counters is not None and ent_id not in enterprise_counters:
            bad.append(Violation("counter", f"enterprise {ent_id} has {value} committed but no counter"))
    for voucher_id, (status, face, redeemed, settled) in (stored or {}).items():
        v = b.vouchers.get(voucher_id)
        if v is None:
            bad.append(Violation("stored_state", "a voucher without events", voucher_id))
            continue
        derived = (v.status, v.face, v.redeemed, v.settled)
        if (status, Decimal(face), Decimal(redeemed), Decimal(settled)) != derived:
            bad.append(Violation("stored_state", f"stored {(status, face, redeemed, settled)} ≠ derived {derived}", voucher_id))
    return b, bad
