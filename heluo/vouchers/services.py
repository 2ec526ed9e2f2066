"""Writes for innovation vouchers. The web, the API, the command line and the benchmark all come through here.

Concurrency (first come, first served). An application runs in one transaction:

1. checks that need no lock: the window, the amount, eligibility (reads only, in parallel);
2. the Idempotency-Key row is inserted first: a retry racing its original blocks on the unique index
   until the original commits, gets an IntegrityError, and then answers with the original's stored answer;
3. the enterprise's counter row is locked (created if new, in one upsert), then `SELECT … FOR UPDATE` on
   the programme's BudgetCounter row — PostgreSQL queues every issuer of the programme here, so the order
   in which this lock is obtained *is* the order of arrival; it is recorded as `Voucher.seq` from the
   counter's `next_seq`. Then the type's counter, if the type has a budget of its own. Always in this order
   (enterprise → programme → type), so there is no deadlock;
4. the decision (enterprise cap, budget, type budget) against the locked counters, the counters' update,
   the voucher row and its events, the stored answer — then COMMIT releases the locks.

Every write that moves money (issue, expire, cancel, verify) takes the same locks in the same order, after
the voucher's own row lock (voucher → enterprise → programme → type). So the events that change balances
get their ids in the order the locks serialised them, and the ledger can replay them by id. The counters
carry CHECK constraints (committed ≤ limit): even a bug cannot commit an overrun.

Refusals that are decisions of the allocation (budget, type budget, enterprise cap) are stored: a voucher row
in status rejected, with its events and reason, answered 409. Refusals of the request itself (window not
open, not eligible, amount above the cap per voucher, …) change nothing and are answered 409/422 unstored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Subquery
from django.utils import timezone

from heluo.core.middleware import current_actor
from heluo.core.models import Role
from heluo.core.permissions import Scope, scope_for
from heluo.orgs.models import Organization, OrganizationKind, Qualification

from . import ledger
from .models import (
    AllocationMode,
    BudgetCounter,
    EnterpriseCounter,
    EventKind,
    IdempotencyKey,
    Programme,
    Provider,
    ProviderService,
    ProviderStatus,
    Redemption,
    RedemptionStatus,
    Settlement,
    Voucher,
    VoucherEvent,
    VoucherStatus,
    VoucherType,
)

ZERO = Decimal("0")
CENT = Decimal("0.01")

STATUS_NAMES = {  # for bilingual messages (the choice labels are translated by the catalogue, these are fixed)
    "applied": ("已申请", "applied"),
    "rejected": ("未获批准", "rejected"),
    "issued": ("已发放", "issued"),
    "contracted": ("已签合同", "contract signed"),
    "delivered": ("服务已完成", "service delivered"),
    "redemption_submitted": ("兑付审核中", "redemption submitted"),
    "redeemed": ("已兑付", "redeemed"),
    "settled": ("已结算", "settled"),
    "expired": ("已过期", "expired"),
    "cancelled": ("已作废", "cancelled"),
}


class Refused(ValidationError):
    """A refusal with a stable code and a reason in Chinese and English; `status` is the HTTP answer
    (409: the state of things does not allow it now; 422: the request itself cannot be granted)."""

    def __init__(self, code: str, zh: str, en: str, status: int = 409, field: str | None = None):
        self.reason_code, self.zh, self.en, self.status, self.field = code, zh, en, status, field
        super().__init__(f"{zh} / {en}", code=code)

    @property
    def text(self) -> str:
        return f"{self.zh} / {self.en}"

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.text, "code": self.reason_code, "zh": self.zh, "en": self.en}


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def wrong_state(voucher: Voucher, action_zh: str, action_en: str) -> Refused:
    zh, en = STATUS_NAMES.get(voucher.status, (voucher.status, voucher.status))
    return Refused("wrong_state", f"创新券当前状态为“{zh}”，不能{action_zh}", f"The voucher is {en}; it cannot be {action_en}.")


def forbidden(zh="无权执行此操作", en="You may not do this.") -> PermissionDenied:
    return PermissionDenied(f"{zh} / {en}")


# --- helpers ------------------------------------------------------------------------------------------


def money(value, field: str = "amount") -> Decimal:
    """A positive amount in yuan with at most two decimals."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise Refused("amount_invalid", "金额格式不正确", "The amount is not a number.", 422, field) from None
    if not amount.is_finite() or amount <= 0:
        raise Refused("amount_invalid", "金额必须大于0", "The amount must be greater than 0.", 422, field)
    if amount != amount.quantize(CENT):
        raise Refused("amount_invalid", "金额最多两位小数（分）", "The amount has more than two decimals.", 422, field)
    return amount.quantize(CENT)


def _actor(user):
    if isinstance(user, Scope) or not getattr(user, "pk", None):
        return None
    return user


def _event(voucher: Voucher, kind: str, user, amount=ZERO, *, reason_code="", reason="", payload=None, at=None) -> VoucherEvent:
    actor = _actor(user)
    return VoucherEvent(
        voucher=voucher,
        programme_id=voucher.programme_id,
        kind=kind,
        amount=amount,
        actor=actor,
        actor_name=actor.username if actor else "system",
        via=current_actor().via,
        at=at or timezone.now(),
        reason_code=reason_code,
        reason=reason[:500],
        payload=payload or {},
    )


def require_bureau(user):
    if not scope_for(user).is_bureau:
        raise forbidden("只有科技局工作人员可以执行此操作", "Only bureau staff may do this.")


def _lock_voucher(voucher) -> Voucher:
    pk = voucher.pk if isinstance(voucher, Voucher) else voucher
    return (
        Voucher.objects.select_for_update(of=("self",)).select_related("programme", "voucher_type", "provider").get(pk=pk)
    )  # lock the voucher only


def _step(voucher: Voucher, kind: str, action_zh: str, action_en: str):
    """Refuse a transition the life cycle does not allow (the same table the ledger checks)."""
    sources, _target = ledger.TRANSITIONS[kind]
    if voucher.status not in sources:
        raise wrong_state(voucher, action_zh, action_en)


# --- eligibility --------------------------------------------------------------------------------------

# A rule set's family → the qualification that proves the same status (a certificate instead of an evaluation).
RULESET_QUALIFICATIONS = {
    "tech-sme": "tech_sme",
    "hte": "hte",
    "innovative-sme": "innovative_sme",
    "srdi-sme": "srdi_sme",
    "little-giant": "little_giant",
}


def ruleset_qualification(name: str) -> str | None:
    family = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[-1].isdigit() else name
    return RULESET_QUALIFICATIONS.get(family)


@dataclass
class Eligibility:
    ok: bool
    basis: list[str] = field(default_factory=list)
    refusal: Refused | None = None


def _within(area_id: int, authority_id: int, parent_id: int | None = None) -> bool:
    from heluo.geo.models import Area

    if area_id == authority_id or (parent_id is not None and parent_id == authority_id):
        return True  # the common case, without a query
    seen = set()
    while area_id is not None and area_id not in seen:
        if area_id == authority_id:
            return True
        seen.add(area_id)
        area_id = Area.objects.filter(pk=area_id).values_list("parent_id", flat=True).first()
    return False


def eligibility(programme: Programme, organization: Organization, on: dt.date | None = None) -> Eligibility:
    """Whether an enterprise may apply to a programme. The rule (kept here, in one function, so the bureau's
    documents can change it):

    * it is an enterprise registered in the programme's authority area (or an area below it);
    * a programme that names no rule set, no qualification and no start-up age is open to all such enterprises;
    * otherwise it qualifies if ANY of these holds:
      - it passed one of `eligible_rulesets` in the latest stored evaluation run of that rule set
        (heluo.cultivation EvaluationRun/EvaluationResult, runs of years after the programme's not counted);
      - it holds, valid on the day, a qualification listed in `eligible_qualifications`, or the one matching an
        eligible rule set (tech-sme-* → 科技型中小企业 registration, hte-* → 高新技术企业 certificate …);
      - it was founded at most `startup_max_years` years before the day (start-ups).
    """
    from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome

    on = on or timezone.localdate()
    if organization.kind != OrganizationKind.ENTERPRISE:
        return Eligibility(
            False, refusal=Refused("not_enterprise", "只有企业可以申领创新券", "Only enterprises may apply for vouchers.", 422)
        )
    area = organization.area if "area" in organization._state.fields_cache else None
    if not _within(organization.area_id, programme.authority_id, area.parent_id if area else None):
        return Eligibility(
            False,
            refusal=Refused(
                "outside_area", "企业注册地不在本计划的发放范围内", "The enterprise is not registered in this programme's area.", 422
            ),
        )
    rulesets = list(programme.eligible_rulesets or [])
    kinds = set(programme.eligible_qualifications or []) | {k for k in map(ruleset_qualification, rulesets) if k}
    if not rulesets and not kinds and not programme.startup_max_years:
        return Eligibility(True, ["open"])
    for name in rulesets:
        latest = EvaluationRun.objects.filter(ruleset=name, year__lte=programme.year).order_by("-pk").values("pk")[:1]
        run_id = (
            EvaluationResult.objects.filter(run_id=Subquery(latest), organization=organization, result=Outcome.PASS)
            .values_list("run_id", flat=True)
            .first()
        )
        if run_id:
            return Eligibility(True, [f"ruleset:{name}#{run_id}"])
    if kinds:
        held = list(
            Qualification.objects.filter(Qualification.valid_on_q(on), organization=organization, kind__in=kinds).values_list(
                "kind", flat=True
            )[:1]
        )
        if held:
            return Eligibility(True, [f"qualification:{held[0]}"])
    if programme.startup_max_years and organization.founded_on:
        years = programme.startup_max_years
        try:
            since = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            since = on.replace(year=on.year - years, day=28)
        if organization.founded_on >= since:
            return Eligibility(True, ["startup"])
    return Eligibility(
        False,
        refusal=Refused(
            "not_eligible",
            "企业不符合本计划的申领条件（评价结果、资质或初创年限）",
            "The enterprise meets none of this programme's conditions (evaluation, qualification or start-up age).",
            422,
        ),
    )


# --- programmes ---------------------------------------------------------------------------------------


def sync_counters(programme: Programme):
    """Create or update the counters the issuers lock, from the programme's budget, types and cap. Refuses
    a limit below what is already committed. Locks in the issuers' order (enterprises → programme → types)."""
    with transaction.atomic():
        list(EnterpriseCounter.objects.select_for_update().filter(programme=programme).order_by("pk").values_list("pk", flat=True))
        pc, _ = BudgetCounter.objects.select_for_update().get_or_create(
            programme=programme, voucher_type=None, defaults={"limit": programme.budget}
        )
        if pc.committed > programme.budget:
            raise Refused(
                "budget_below_committed",
                f"预算不能低于已发放金额{_yuan(pc.committed)}元",
                f"The budget cannot be below the {_yuan(pc.committed)} yuan already committed.",
                422,
                "budget",
            )
        BudgetCounter.objects.filter(pk=pc.pk).update(limit=programme.budget)
        by_type = None
        for t in programme.types.all():
            tc = BudgetCounter.objects.select_for_update().filter(programme=programme, voucher_type=t).first()
            if t.budget is None:
                if tc is not None:
                    tc.delete()  # the programme's budget alone limits this type now; its balance stays derivable from events
                continue
            if tc is None:
                if by_type is None:  # a budget given to a type later starts from what the type already holds
                    by_type = ledger.replay(*ledger_inputs(programme))[0].by_type
                tc = BudgetCounter.objects.create(
                    programme=programme, voucher_type=t, limit=max(t.budget, by_type.get(t.pk, ZERO)), committed=by_type.get(t.pk, ZERO)
                )
            if tc.committed > t.budget:
                raise Refused(
                    "budget_below_committed",
                    f"券种“{t.name_zh}”预算不能低于已发放金额{_yuan(tc.committed)}元",
                    f"The budget of type {t.code} cannot be below the {_yuan(tc.committed)} yuan committed.",
                    422,
                    "budget",
                )
            BudgetCounter.objects.filter(pk=tc.pk).update(limit=t.budget)
        cap = programme.cap_per_enterprise
        if cap is not None and EnterpriseCounter.objects.filter(programme=programme, committed__gt=cap).exists():
            raise Refused(
                "cap_below_committed",
                "企业上限不能低于已有企业的已获金额",
                "The cap per enterprise is below what some enterprise already holds.",
                422,
                "cap_per_enterprise",
            )
        EnterpriseCounter.objects.filter(programme=programme).update(limit=cap)


def programme_save(user, programme: Programme, types: list[VoucherType] | None = None) -> Programme:
    require_bureau(user)
    programme.full_clean()
    with transaction.atomic():
        programme.save()
        for t in types or []:
            t.programme = programme
            t.full_clean()
            t.save()
        sync_counters(programme)
    return programme


# --- applying and issuing -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """The answer to an application: 201 with the voucher, or 409/422 with the reason."""

    status: int
    voucher: Voucher | None = None
    refusal: Refused | None = None
    body: dict | None = None  # the answer as first given (what a retry gets back)
    replayed: bool = False


def fingerprint(programme_id, type_id, amount: Decimal) -> str:
    return hashlib.sha256(f"{programme_id}|{type_id}|{amount}".encode()).hexdigest()


def default_render(outcome: Outcome) -> dict:
    v = outcome.voucher
    voucher = None if v is None else {"id": v.pk, "number": v.number, "status": v.status, "face_value": str(v.face_value), "seq": v.seq}
    if outcome.refusal is None:
        return voucher
    return {"detail": [outcome.refusal.as_dict()], "application": voucher}


def _replay(record: IdempotencyKey, fp: str) -> Outcome:
    if record.fingerprint != fp:
        raise Refused(
            "idempotency_key_reused",
            "该 Idempotency-Key 已用于内容不同的另一请求",
            "This Idempotency-Key was already used for a different request.",
            422,
            "Idempotency-Key",
        )
    voucher = Voucher.objects.filter(pk=record.voucher_id).first() if record.voucher_id else None
    return Outcome(record.status_code, voucher, body=record.response, replayed=True)


def _enterprise_of(user) -> Organization:
    scope = scope_for(user)
    if scope.role != Role.ORG_USER or not scope.organization_id:
        raise forbidden("只有企业用户可以申领创新券", "Only an enterprise's user may apply for vouchers.")
    return Organization.objects.select_related("area").get(pk=scope.organization_id)


def _lock_enterprise(programme: Programme, enterprise_id: int) -> tuple[Decimal | None, Decimal]:
    """Lock the enterprise's counter, creating it if need be, in one statement: INSERT … ON CONFLICT DO
    UPDATE takes the row lock whether the row is new or not, so two first applications of one enterprise
    serialise here instead of racing to create it. Returns (limit, committed)."""
    table, q = EnterpriseCounter._meta.db_table, connection.ops.quote_name
    with connection.cursor() as c:
        c.execute(
            f"INSERT INTO {table} (programme_id, organization_id, {q('limit')}, committed) VALUES (%s, %s, %s, 0) "
            f"ON CONFLICT (programme_id, organization_id) DO UPDATE SET committed = {table}.committed "
            f"RETURNING {q('limit')}, committed",
            [programme.pk, enterprise_id, programme.cap_per_enterprise],
        )
        limit, committed = c.fetchone()

    def as_money(v):
        return Decimal(str(v)).quantize(CENT)  # SQLite may hand back a float

    return (None if limit is None else as_money(limit)), as_money(committed)


def _allocate(programme: Programme, vtype: VoucherType, enterprise_id: int, amount: Decimal) -> tuple[int, Refused | None]:
    """Take the locks (enterprise → programme → type), hand out the next order of arrival, decide, and move
    the counters if the amount is issued. Must run inside a transaction. The enterprise's cap is checked
    first, then the programme's budget, then the type's."""
    ent_limit, ent_committed = _lock_enterprise(programme, enterprise_id)
    pc = BudgetCounter.objects.select_for_update().get(programme=programme, voucher_type__isnull=True)
    tc = (
        BudgetCounter.objects.select_for_update().filter(programme=programme, voucher_type=vtype).first()
        if vtype.budget is not None
        else None
    )
    seq = pc.next_seq + 1
    refusal = None
    if ent_limit is not None and ent_committed + amount > ent_limit:
        refusal = Refused(
            "enterprise_cap",
            f"超过每家企业年度上限{_yuan(ent_limit)}元（已获{_yuan(ent_committed)}元）",
            f"Above the cap of {_yuan(ent_limit)} yuan per enterprise ({_yuan(ent_committed)} yuan already held).",
        )
    elif pc.committed + amount > pc.limit:
        left = pc.limit - pc.committed
        refusal = Refused(
            "budget_exhausted",
            f"预算余额不足（剩余{_yuan(left)}元），本次申领未获发放",
            f"Not enough budget left ({_yuan(left)} yuan); the application was not granted.",
        )
    elif tc is not None and tc.committed + amount > tc.limit:
        left = tc.limit - tc.committed
        refusal = Refused(
            "type_budget_exhausted",
            f"该券种预算余额不足（剩余{_yuan(left)}元）",
            f"Not enough budget left for this voucher type ({_yuan(left)} yuan).",
        )
    if refusal is None:
        BudgetCounter.objects.filter(pk=pc.pk).update(next_seq=seq, committed=F("committed") + amount)
        if tc is not None:
            BudgetCounter.objects.filter(pk=tc.pk).update(committed=F("committed") + amount)
        EnterpriseCounter.objects.filter(programme=programme, organization_id=enterprise_id).update(committed=F("committed") + amount)
    else:
        BudgetCounter.objects.filter(pk=pc.pk).update(next_seq=seq)
    return seq, refusal


def _release(voucher: Voucher, amount: Decimal):
    """Give `amount` of a voucher's committed face value back (expiry, cancellation, unused part of a
    redemption). Same lock order as the issuers: enterprise → programme → type."""
    if amount <= 0:
        return
    ec = EnterpriseCounter.objects.select_for_update().get(programme_id=voucher.programme_id, organization_id=voucher.enterprise_id)
    EnterpriseCounter.objects.filter(pk=ec.pk).update(committed=F("committed") - amount)
    pc = BudgetCounter.objects.select_for_update().get(programme_id=voucher.programme_id, voucher_type__isnull=True)
    BudgetCounter.objects.filter(pk=pc.pk).update(committed=F("committed") - amount)
    tc = (
        BudgetCounter.objects.select_for_update().filter(programme_id=voucher.programme_id, voucher_type_id=voucher.voucher_type_id).first()
    )
    if tc is not None:
        BudgetCounter.objects.filter(pk=tc.pk).update(committed=F("committed") - amount)


def _issued_fields(programme: Programme, seq: int, amount: Decimal, now) -> dict:
    return {
        "status": VoucherStatus.ISSUED,
        "face_value": amount,
        "number": f"{programme.code}-{seq:06d}",
        "issued_at": now,
        "expires_on": timezone.localdate(now) + dt.timedelta(days=programme.validity_days),
    }


def apply(
    user,
    programme: Programme,
    voucher_type: VoucherType,
    amount,
    *,
    idempotency_key: str | None = None,
    arrived_at=None,
    render=default_render,
) -> Outcome:
    """An enterprise user applies for a voucher. Answers 201 (issued; or applied, awaiting review), 409 or
    422 — see the module docstring. With an idempotency key, a retry gets the first answer unchanged."""
    arrived_at = arrived_at or timezone.now()
    enterprise = _enterprise_of(user)
    if voucher_type.programme_id != programme.pk:
        raise Refused("unknown_type", "该计划没有此券种", "This programme has no such voucher type.", 422, "voucher_type")
    amount = money(amount)
    fp = fingerprint(programme.pk, voucher_type.pk, amount)
    key = (idempotency_key or "").strip()[:200] or None
    if key:
        earlier = IdempotencyKey.objects.filter(user=user, key=key).first()
        if earlier is not None and earlier.status_code:
            return _replay(earlier, fp)
    if amount > voucher_type.cap_per_voucher:
        raise Refused(
            "above_voucher_cap",
            f"申领金额超过单张券面额上限{_yuan(voucher_type.cap_per_voucher)}元",
            f"The amount is above the cap of {_yuan(voucher_type.cap_per_voucher)} yuan per voucher.",
            422,
            "amount",
        )
    if not programme.window_is_open(arrived_at):
        raise Refused("window_closed", "申领窗口未开放", "The application window is not open.", 409)
    elig = eligibility(programme, enterprise, timezone.localdate(arrived_at))
    if not elig.ok:
        raise elig.refusal
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fp) if key else None
            outcome = _decide_application(user, programme, voucher_type, enterprise, amount, arrived_at, elig, key)
            outcome.body = render(outcome)
            if record is not None:
                IdempotencyKey.objects.filter(pk=record.pk).update(
                    status_code=outcome.status, response=outcome.body, voucher=outcome.voucher
                )
            return outcome
    except IntegrityError:
        if key:  # the original of this retry committed first: answer as it did
            earlier = IdempotencyKey.objects.filter(user=user, key=key).first()
            if earlier is not None and earlier.status_code:
                return _replay(earlier, fp)
        raise


def _decide_application(user, programme, vtype, enterprise, amount, arrived_at, elig, key) -> Outcome:
    base = dict(
        programme=programme,
        voucher_type=vtype,
        enterprise=enterprise,
        applicant=_actor(user),
        requested_amount=amount,
        arrived_at=arrived_at,
    )
    applied_payload = {"requested": str(amount), "eligibility": elig.basis, **({"idempotency_key": key} if key else {})}
    if programme.allocation_mode == AllocationMode.REVIEW:
        voucher = Voucher.objects.create(**base, status=VoucherStatus.APPLIED)
        VoucherEvent.objects.bulk_create([_event(voucher, EventKind.APPLIED, user, payload=applied_payload, at=arrived_at)])
        return Outcome(201, voucher)
    seq, refusal = _allocate(programme, vtype, enterprise.pk, amount)
    now = timezone.now()
    if refusal is None:
        voucher = Voucher.objects.create(**base, seq=seq, decided_at=now, **_issued_fields(programme, seq, amount, now))
        second = _event(voucher, EventKind.ISSUED, user, amount, payload={"seq": seq}, at=now)
    else:
        voucher = Voucher.objects.create(
            **base, seq=seq, decided_at=now, status=VoucherStatus.REJECTED, reason_code=refusal.reason_code, reason=refusal.text[:500]
        )
        second = _event(
            voucher, EventKind.REJECTED, user, reason_code=refusal.reason_code, reason=refusal.text, payload={"seq": seq}, at=now
        )
    VoucherEvent.objects.bulk_create([_event(voucher, EventKind.APPLIED, user, payload=applied_payload, at=arrived_at), second])
    return Outcome(201 if refusal is None else refusal.status, voucher, refusal)


def review(user, voucher, score=None, note: str = "") -> Voucher:
    """Review mode: the bureau scores an application (the ranking issue_ranked follows)."""
    require_bureau(user)
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.REVIEWED, "评审", "reviewed")
        v.review_score = None if score is None else Decimal(str(score))
        v.save(update_fields=["review_score", "updated"])
        _event(v, EventKind.REVIEWED, user, reason=note, payload={"score": None if score is None else str(score)}).save()
    return v


def issue(user, voucher, face_value=None) -> Voucher:
    """Review mode: issue an application (optionally for less than requested). Raises Refused when the
    budget or the enterprise's cap does not allow it; the application then stays open."""
    require_bureau(user)
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.ISSUED, "发放", "issued")
        amount = money(face_value if face_value is not None else v.requested_amount, "face_value")
        if amount > v.requested_amount:
            raise Refused(
                "above_requested",
                f"面额不能超过申请金额{_yuan(v.requested_amount)}元",
                f"The face value cannot be above the {_yuan(v.requested_amount)} yuan applied for.",
                422,
                "face_value",
            )
        if amount > v.voucher_type.cap_per_voucher:
            raise Refused(
                "above_voucher_cap",
                f"面额超过单张券上限{_yuan(v.voucher_type.cap_per_voucher)}元",
                f"The face value is above the cap of {_yuan(v.voucher_type.cap_per_voucher)} yuan per voucher.",
                422,
                "face_value",
            )
        with transaction.atomic():  # a refusal rolls back the counters' seq with it
            seq, refusal = _allocate(v.programme, v.voucher_type, v.enterprise_id, amount)
            if refusal is not None:
                raise refusal
        now = timezone.now()
        for name, value in {**_issued_fields(v.programme, seq, amount, now), "seq": seq, "decided_at": now}.items():
            setattr(v, name, value)
        v.save()
        _event(v, EventKind.ISSUED, user, amount, payload={"seq": seq}, at=now).save()
    return v


def reject(user, voucher, reason: str) -> Voucher:
    """Review mode: refuse an application."""
    require_bureau(user)
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.REJECTED, "驳回", "rejected")
        v.status, v.decided_at, v.reason_code, v.reason = VoucherStatus.REJECTED, timezone.now(), "rejected_in_review", reason[:500]
        v.save()
        _event(v, EventKind.REJECTED, user, reason_code="rejected_in_review", reason=reason).save()
    return v


def issue_ranked(user, programme: Programme) -> dict:
    """Review mode: issue the open applications by score (highest first, then earliest), each in its own
    transaction; those the budget or the cap no longer allows are rejected with that reason."""
    require_bureau(user)
    counts = {"issued": 0, "rejected": 0}
    ids = list(
        programme.vouchers.filter(status=VoucherStatus.APPLIED)
        .order_by(F("review_score").desc(nulls_last=True), "arrived_at", "pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        try:
            issue(user, pk)
            counts["issued"] += 1
        except Refused as r:
            if r.reason_code not in ("budget_exhausted", "type_budget_exhausted", "enterprise_cap"):
                raise
            reject(user, pk, r.text)
            counts["rejected"] += 1
    return counts


# --- after issue: contract, delivery, redemption, settlement ------------------------------------------


def _is_enterprise_of(user, v: Voucher) -> bool:
    s = scope_for(user)
    return s.role == Role.ORG_USER and s.organization_id == v.enterprise_id


def _is_provider_of(user, v: Voucher) -> bool:
    s = scope_for(user)
    return s.role == Role.ORG_USER and v.provider_id is not None and s.organization_id == v.provider.organization_id


def sign_contract(user, voucher, provider: Provider, contract_no: str, contract_value, signed_on: dt.date | None = None) -> Voucher:
    """The enterprise (or the bureau for it) records the service contract with an approved provider that
    offers the voucher's category. The voucher then pays at most min(face value, share × contract value)."""
    contract_value = money(contract_value, "contract_value")
    if not (contract_no or "").strip():
        raise Refused("contract_no_required", "请填写合同编号", "The contract number is required.", 422, "contract_no")
    with transaction.atomic():
        v = _lock_voucher(voucher)
        if not (_is_enterprise_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有申领企业可以登记合同", "Only the voucher's enterprise may record its contract.")
        _step(v, EventKind.CONTRACTED, "登记合同", "contracted")
        if v.expires_on and timezone.localdate() > v.expires_on:
            raise Refused("expired", "创新券已过有效期", "The voucher has passed its validity.")
        provider = Provider.objects.select_related("organization").get(pk=provider.pk)
        if provider.status != ProviderStatus.APPROVED:
            raise Refused("provider_not_approved", "该服务机构未入库或已暂停", "The provider is not approved, or is suspended.")
        from .crosscity import admits_partner_provider  # crosscity: a partner city's provider, under an active agreement

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
        _event(
            v,
            EventKind.CONTRACTED,
            user,
            payload={
                "provider": provider.pk,
                "contract_no": v.contract_no,
                "contract_value": str(contract_value),
                "payable_limit": str(v.payable_limit),
                "signed_on": v.contract_signed_on.isoformat(),
            },
        ).save()
    return v


def deliver(user, voucher, delivered_on: dt.date | None = None, note: str = "") -> Voucher:
    """The service was delivered and accepted (recorded by the enterprise, the provider or the bureau)."""
    with transaction.atomic():
        v = _lock_voucher(voucher)
        if not (_is_enterprise_of(user, v) or _is_provider_of(user, v) or scope_for(user).is_bureau):
            raise forbidden()
        _step(v, EventKind.DELIVERED, "确认服务完成", "marked delivered")
        v.status = VoucherStatus.DELIVERED
        v.save()
        _event(
            v, EventKind.DELIVERED, user, reason=note, payload={"delivered_on": (delivered_on or timezone.localdate()).isoformat()}
        ).save()
    return v


def submit_redemption(user, voucher, *, invoice_no: str, invoice_amount, amount=None, evidence: list[dict] | None = None) -> Redemption:
    """The provider claims the voucher with contract, invoice and acceptance evidence (file hashes).
    Refused after expiry, for a suspended provider, above what the voucher pays, or for a used invoice."""
    invoice_amount = money(invoice_amount, "invoice_amount")
    if not (invoice_no or "").strip():
        raise Refused("invoice_no_required", "请填写发票号码", "The invoice number is required.", 422, "invoice_no")
    evidence = _evidence(evidence)
    with transaction.atomic():
        v = _lock_voucher(voucher)
        if not (_is_provider_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有签约服务机构可以申请兑付", "Only the contracted provider may claim the voucher.")
        _step(v, EventKind.REDEMPTION_SUBMITTED, "申请兑付", "claimed")
        if v.expires_on and timezone.localdate() > v.expires_on:
            raise Refused("expired", "创新券已过有效期，不能申请兑付", "The voucher has passed its validity; it can no longer be claimed.")
        if v.provider.status != ProviderStatus.APPROVED:
            raise Refused("provider_not_approved", "服务机构已暂停，不能申请兑付", "The provider is suspended; it cannot claim vouchers.")
        claim = money(amount, "amount") if amount is not None else min(v.payable_limit, invoice_amount)
        if claim > v.payable_limit:
            raise Refused(
                "above_payable",
                f"兑付金额超过本券可支付上限{_yuan(v.payable_limit)}元（面额与合同比例取低者）",
                f"The claim is above the {_yuan(v.payable_limit)} yuan this voucher can pay (face value or contract share).",
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
            submitted_by=_actor(user),
        )
        v.status = VoucherStatus.REDEMPTION_SUBMITTED
        v.save()
        _event(
            v,
            EventKind.REDEMPTION_SUBMITTED,
            user,
            claim,
            payload={"redemption": red.pk, "invoice_no": red.invoice_no, "invoice_amount": str(invoice_amount), "evidence": evidence},
        ).save()
    return red


def _evidence(items) -> list[dict]:
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


def verify(user, voucher, amount=None, reason: str = "") -> Redemption:
    """The bureau accepts the pending redemption, for the claimed amount or less. The voucher is then
    redeemed; the unused rest of its face value returns to the budget."""
    require_bureau(user)
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.VERIFIED, "核验兑付", "verified")
        red = Redemption.objects.select_for_update().get(voucher=v, status=RedemptionStatus.SUBMITTED)
        accepted = money(amount, "amount") if amount is not None else red.amount
        if accepted > red.amount or accepted > v.face_value:
            raise Refused("above_claim", "核定金额不能超过申请兑付金额", "The accepted amount cannot exceed the claim.", 422, "amount")
        now = timezone.now()
        red.status, red.accepted_amount, red.decided_by, red.decided_at, red.decision_reason = (
            RedemptionStatus.ACCEPTED,
            accepted,
            _actor(user),
            now,
            reason[:500],
        )
        red.save()  # the partial unique index refuses a second accepted redemption of this voucher
        released = v.face_value - accepted
        _release(v, released)
        v.status, v.redeemed_amount = VoucherStatus.REDEEMED, accepted
        v.save()
        _event(
            v, EventKind.VERIFIED, user, accepted, reason=reason, payload={"redemption": red.pk, "released": str(released)}, at=now
        ).save()
    return red


def reject_redemption(user, voucher, reason: str) -> Redemption:
    """The bureau refuses the pending redemption; the provider may correct and claim again (until expiry)."""
    require_bureau(user)
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.REDEMPTION_REJECTED, "驳回兑付", "refused for redemption")
        red = Redemption.objects.select_for_update().get(voucher=v, status=RedemptionStatus.SUBMITTED)
        red.status, red.decided_by, red.decided_at, red.decision_reason = (
            RedemptionStatus.REJECTED,
            _actor(user),
            timezone.now(),
            reason[:500],
        )
        red.save()
        v.status = VoucherStatus.DELIVERED
        v.save()
        _event(v, EventKind.REDEMPTION_REJECTED, user, red.amount, reason=reason, payload={"redemption": red.pk}).save()
    return red


def settle(user, voucher, amount=None, paid_on: dt.date | None = None, payment_ref: str = "") -> Settlement:
    """Record a payment to the provider for a redeemed voucher (the rest by default). Total ≤ redeemed."""
    require_bureau(user)
    with transaction.atomic():
        v = _lock_voucher(voucher)
        _step(v, EventKind.SETTLED, "结算", "settled")
        due = v.redeemed_amount - v.settled_amount
        paid = money(amount, "amount") if amount is not None else due
        ref = (payment_ref or "").strip()[:100]
        if ref and Settlement.objects.filter(voucher=v, payment_ref=ref).exists():
            # a repeated submission of the same transfer (double click, retried request) is not a second payment
            raise Refused(
                "duplicate_payment", f"付款凭证号{ref}已登记", f"Payment reference {ref} is already recorded.", 409, "payment_ref"
            )
        if paid > due:
            raise Refused(
                "above_redeemed",
                f"结算金额超过待付金额{_yuan(due)}元",
                f"The payment is above the {_yuan(due)} yuan still due.",
                422,
                "amount",
            )
        s = Settlement.objects.create(
            voucher=v, provider=v.provider, amount=paid, paid_on=paid_on or timezone.localdate(), payment_ref=ref, recorded_by=_actor(user)
        )
        v.settled_amount += paid
        v.status = VoucherStatus.SETTLED if v.settled_amount == v.redeemed_amount else VoucherStatus.REDEEMED
        v.save()
        _event(
            v, EventKind.SETTLED, user, paid, payload={"settlement": s.pk, "paid_on": s.paid_on.isoformat(), "payment_ref": s.payment_ref}
        ).save()
    return s


def _give_back(user, v: Voucher, kind: str, reason_code: str, reason: str):
    returned = v.face_value if v.status != VoucherStatus.APPLIED else ZERO
    _release(v, returned)
    v.status = VoucherStatus.EXPIRED if kind == EventKind.EXPIRED else VoucherStatus.CANCELLED
    v.reason_code, v.reason = reason_code, reason[:500]
    v.save()
    _event(v, kind, user, returned, reason_code=reason_code, reason=reason).save()


def cancel(user, voucher, reason: str) -> Voucher:
    """The enterprise gives a voucher up (or the bureau withdraws it) before it is claimed; its face value
    returns to the budget."""
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = _lock_voucher(voucher)
        if not (_is_enterprise_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有申领企业或科技局可以作废创新券", "Only the voucher's enterprise or the bureau may cancel it.")
        if v.status == VoucherStatus.DELIVERED and not scope_for(user).is_bureau:
            # the provider has done the work and is owed its claim: only the bureau may withdraw such a voucher
            raise forbidden("服务已交付，只有科技局可以作废", "The service has been delivered: only the bureau may cancel the voucher.")
        _step(v, EventKind.CANCELLED, "作废", "cancelled")
        _give_back(user, v, EventKind.CANCELLED, "cancelled", reason)
    return v


def expire_due(today: dt.date | None = None, user=None, programme: Programme | None = None) -> int:
    """Expire every voucher past its validity that no redemption is pending for; each returns its face
    value to the budget. Safe to run at any time, any number of times (a daily job)."""
    from heluo.core.permissions import SYSTEM

    user = user or SYSTEM
    require_bureau(user)
    today = today or timezone.localdate()
    qs = Voucher.objects.filter(status__in=ledger.TRANSITIONS["expired"][0], expires_on__lt=today)
    if programme is not None:
        qs = qs.filter(programme=programme)
    done = 0
    for pk in qs.values_list("pk", flat=True):
        with transaction.atomic():
            v = _lock_voucher(pk)
            if v.status not in ledger.TRANSITIONS["expired"][0] or not v.expires_on or v.expires_on >= today:
                continue  # changed since the query
            _give_back(
                user, v, EventKind.EXPIRED, "expired", f"有效期至{v.expires_on.isoformat()} / valid until {v.expires_on.isoformat()}"
            )
            done += 1
    return done


# --- providers ----------------------------------------------------------------------------------------


def provider_apply(user, authority, services: list[dict], contact: str = "", description: str = "") -> Provider:
    """An organization's user applies for its organization to join as a service provider, with its services
    and prices; a rejected provider may apply again. The bureau reviews."""
    s = scope_for(user)
    if s.role != Role.ORG_USER or not s.organization_id:
        raise forbidden("只有机构用户可以申请入库", "Only an organization's user may apply to be a provider.")
    if not services:
        raise Refused("services_required", "请至少登记一项服务及价格", "List at least one service with its price.", 422, "services")
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(organization_id=s.organization_id).first()
        if provider is not None and provider.status != ProviderStatus.REJECTED:
            raise Refused("provider_exists", "本机构已提交入库申请或已入库", "This organization has already applied or been admitted.")
        provider = provider or Provider(organization_id=s.organization_id)
        provider.authority, provider.status, provider.contact, provider.description = (
            authority,
            ProviderStatus.APPLIED,
            contact[:100],
            description,
        )
        provider.applied_at, provider.reviewed_at, provider.review_reason = timezone.now(), None, ""
        provider.save()
        provider_set_services(user, provider, services)
    return provider


def provider_set_services(user, provider: Provider, services: list[dict]):
    s = scope_for(user)
    if not (s.is_bureau or (s.role == Role.ORG_USER and s.organization_id == provider.organization_id)):
        raise forbidden()
    rows = []
    for i, item in enumerate(services):
        category = item.get("category")
        if category not in dict(ProviderService._meta.get_field("category").choices):
            raise Refused("service_category", f"第{i + 1}项服务的类别无效", f"Service {i + 1} has an unknown category.", 422, "services")
        if not str(item.get("name", "")).strip():
            raise Refused("service_name", f"第{i + 1}项服务缺少名称", f"Service {i + 1} has no name.", 422, "services")
        rows.append(
            ProviderService(
                provider=provider,
                category=category,
                name=str(item["name"]).strip()[:120],
                description=item.get("description", ""),
                price=money(item.get("price"), "services"),
                unit=str(item.get("unit", ""))[:30],
            )
        )
    with transaction.atomic():
        for old in provider.services.all():
            old.delete()  # one by one, so the change log records them
        for row in rows:
            row.save()


PROVIDER_DECISIONS = {  # decision → (allowed from, to)
    "approve": ((ProviderStatus.APPLIED,), ProviderStatus.APPROVED),
    "reject": ((ProviderStatus.APPLIED,), ProviderStatus.REJECTED),
    "suspend": ((ProviderStatus.APPROVED,), ProviderStatus.SUSPENDED),
    "reinstate": ((ProviderStatus.SUSPENDED,), ProviderStatus.APPROVED),
}


def provider_review(user, provider: Provider, decision: str, reason: str = "") -> Provider:
    """The bureau approves, rejects, suspends or reinstates a provider. A suspended provider signs no new
    contract and claims nothing until reinstated; what is already claimed is still verified by the bureau."""
    require_bureau(user)
    if decision not in PROVIDER_DECISIONS:
        raise Refused(
            "decision_invalid",
            "决定须为 approve、reject、suspend 或 reinstate",
            "The decision must be approve, reject, suspend or reinstate.",
            422,
            "decision",
        )
    if decision != "approve" and not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    sources, target = PROVIDER_DECISIONS[decision]
    with transaction.atomic():
        p = Provider.objects.select_for_update().get(pk=provider.pk)
        if p.status not in sources:
            raise Refused("wrong_state", f"服务机构当前状态不能执行“{decision}”", f"The provider's status does not allow '{decision}'.")
        p.status, p.reviewed_at, p.reviewed_by, p.review_reason = target, timezone.now(), _actor(user), reason[:500]
        p.save()
    return p


# --- ledger and reconciliation ------------------------------------------------------------------------


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


def yuan_str(value) -> str:
    """Money as text with exactly two decimals, whatever the database returned (SQLite drops them)."""
    return str(Decimal(value or 0).quantize(CENT))


def _balances_dict(b: ledger.Balances, budget: Decimal) -> dict:
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
        "opening": _balances_dict(opening, programme.budget),
        "movements": {k: {"count": m["count"], "amount": yuan_str(m["amount"])} for k, m in sorted(movements.items())},
        "closing": _balances_dict(closing, programme.budget),
        "invariants": [
            {"code": code, "zh": zh, "en": en, "ok": code not in by_inv, "violations": by_inv.get(code, [])}
            for code, (zh, en) in ledger.INVARIANTS.items()
        ],
        "ok": not violations,
    }
