"""Applying, issuing and giving back: the allocation of a programme's budget, first come first served or by review.

Concurrency (first come, first served). An application runs in one transaction, in a handful of statements:

1. with an Idempotency-Key, the key's row is inserted first (INSERT … ON CONFLICT DO NOTHING): a retry racing its
   original waits on the unique index until the original commits, inserts nothing, and answers with the
   original's stored answer; a retry of a refused request that stored nothing finds no row and is decided anew;
2. the checks that need no lock: the window, the amount, eligibility (reads only);
3. the enterprise's counter row is locked (created if new, in one upsert); then one UPDATE of the programme's
   BudgetCounter row takes the next place in the order of arrival and commits the amount if the enterprise's cap
   allowed it and the budget does (`committed + amount <= limit`). PostgreSQL queues every issuer of the
   programme on that row, so the order in which they get it *is* the order of arrival, recorded as
   `Voucher.seq`. A voucher type with a budget of its own is locked after it. Always in this order
   (enterprise → programme → type), so there is no deadlock;
4. the voucher row (and its change record), then its events, the enterprise's counter and the stored answer in
   one statement — then COMMIT releases the locks.

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
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from heluo.core import audit
from heluo.core.audit_chain import seal_after_commit
from heluo.core.models import ObjectChange, Role
from heluo.core.permissions import SYSTEM, scope_for
from heluo.orgs.models import Organization

from ..engine import ledger
from ..engine.money import CENT, ZERO, yuan_text
from ..models import (
    AllocationMode,
    BudgetCounter,
    EnterpriseCounter,
    EventKind,
    IdempotencyKey,
    Programme,
    Voucher,
    VoucherEvent,
    VoucherStatus,
    VoucherType,
)
from ..selectors.eligibility import eligibility
from .common import (
    Refused,
    actor,
    bureau_only,
    forbidden,
    is_enterprise_of,
    lock_voucher,
    money,
    new_event,
    require_step,
)


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
    org = _loaded(user, "profile", "organization")  # the API's token look-up reads it, with its area
    if org is not None and org.pk == scope.organization_id and Organization.area.is_cached(org):
        return org
    return Organization.objects.select_related("area").get(pk=scope.organization_id)


def _loaded(obj, *path):
    """The object reached from `obj` by `path` if the query that read `obj` read it too, else None."""
    for name in path:
        descriptor = getattr(type(obj), name, None)
        if obj is None or descriptor is None or not descriptor.is_cached(obj):
            return None
        obj = getattr(obj, name, None)
    return obj


def _as_money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)  # SQLite may hand back a float


def _insert_sql(model, objs, on_conflict=None) -> tuple[str, list]:
    """The INSERT of these rows as Django would write it (every concrete field; the key only if they have one), not run."""
    query = InsertQuery(model, on_conflict=on_conflict)
    query.insert_values([f for f in model._meta.concrete_fields if not f.primary_key or objs[0].pk is not None], objs)
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def _write_together(statements):
    """Writes that need nothing from each other, in one statement where the database can (PostgreSQL's WITH),
    else one after another."""
    with connection.cursor() as c:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                c.execute(sql, params)
            return
        *first, (last, _) = statements
        chained = "".join(f"{'WITH' if i == 0 else ','} w{i} AS ({sql}) " for i, (sql, _) in enumerate(first))
        c.execute(chained + last, [p for _, params in statements for p in params])


def _reserve_id(model) -> int | None:
    """PostgreSQL: the next id of the model's sequence, so that the rows written with a new one can name it before it
    is written. None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as c:
        c.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column])
        return c.fetchone()[0]


def _new_voucher(voucher: Voucher, events) -> list:
    """The writes of a new voucher: its row, its change record and its events. Without a reserved id (SQLite) the row
    is written here, alone, for its id."""
    rows = [_insert_sql(Voucher, [voucher])] if voucher.pk is not None else []
    if not rows:
        Voucher.objects.bulk_create([voucher])  # no signals: its change record is written below, as for the other
    for event in events:
        event.voucher = voucher
    seal_after_commit(ObjectChange)
    return [*rows, _insert_sql(ObjectChange, [audit.creation_record(voucher)]), _insert_sql(VoucherEvent, events)]


def _claim_key(user, key: str, fp: str) -> bool:
    """Insert the Idempotency-Key's row, or find it taken by an earlier request that has committed (False)."""
    sql, params = _insert_sql(IdempotencyKey, [IdempotencyKey(user=user, key=key, fingerprint=fp)], OnConflict.IGNORE)
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.rowcount == 1


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
    return (None if limit is None else _as_money(limit)), _as_money(committed)


def _take_turn(programme: Programme, amount: Decimal, admit: bool) -> tuple[int, bool, Decimal, Decimal]:
    """One UPDATE of the programme's counter: the next place in the order of arrival, and, if `admit` and the
    budget allows it, the amount committed. Returns (seq, committed?, the counter's committed amount, limit)."""
    table, limit = BudgetCounter._meta.db_table, connection.ops.quote_name("limit")
    fits = f"%s AND committed + %s <= {limit}"
    with connection.cursor() as c:
        c.execute(
            f"UPDATE {table} SET next_seq = next_seq + 1, committed = committed + CASE WHEN {fits} THEN %s ELSE 0 END, "
            f"granted_seq = CASE WHEN {fits} THEN next_seq + 1 ELSE granted_seq END "
            f"WHERE programme_id = %s AND voucher_type_id IS NULL RETURNING next_seq, granted_seq, committed, {limit}",
            [admit, amount, amount, admit, amount, programme.pk],
        )
        seq, granted_seq, committed, limit_value = c.fetchone()
    return seq, seq == granted_seq, _as_money(committed), _as_money(limit_value)


def _allocate(programme: Programme, vtype: VoucherType, enterprise_id: int, amount: Decimal) -> tuple[int, Refused | None, list]:
    """Take the locks (enterprise → programme → type), hand out the next order of arrival, decide, and move
    the programme's counter if the amount is issued. Must run inside a transaction. The enterprise's cap is
    checked first, then the programme's budget, then the type's. Returns the place, the refusal, and the
    writes still to make if the amount is issued (the enterprise's and the type's counters), for the caller to
    make together with its own."""
    ent_limit, ent_committed = _lock_enterprise(programme, enterprise_id)
    ent_ok = ent_limit is None or ent_committed + amount <= ent_limit
    typed = vtype.budget is not None  # its counter is locked after the programme's: that one commits nothing yet
    seq, granted, committed, limit = _take_turn(programme, amount, admit=ent_ok and not typed)
    tc = BudgetCounter.objects.select_for_update().filter(programme=programme, voucher_type=vtype).first() if typed else None
    refusal = None
    if not ent_ok:
        refusal = Refused(
            "enterprise_cap",
            f"超过每家企业年度上限{yuan_text(ent_limit)}元（已获{yuan_text(ent_committed)}元）",
            f"Above the cap of {yuan_text(ent_limit)} yuan per enterprise ({yuan_text(ent_committed)} yuan already held).",
        )
    elif not granted and (not typed or committed + amount > limit):
        left = limit - committed
        refusal = Refused(
            "budget_exhausted",
            f"预算余额不足（剩余{yuan_text(left)}元），本次申领未获发放",
            f"Not enough budget left ({yuan_text(left)} yuan); the application was not granted.",
        )
    elif tc is not None and tc.committed + amount > tc.limit:
        left = tc.limit - tc.committed
        refusal = Refused(
            "type_budget_exhausted",
            f"该券种预算余额不足（剩余{yuan_text(left)}元）",
            f"Not enough budget left for this voucher type ({yuan_text(left)} yuan).",
        )
    if refusal is not None:
        return seq, refusal, []
    if typed:
        BudgetCounter.objects.filter(Q(voucher_type=None) | Q(voucher_type=vtype), programme=programme).update(
            committed=F("committed") + amount
        )
    ent = EnterpriseCounter._meta.db_table
    return (
        seq,
        None,
        [
            (
                f"UPDATE {ent} SET committed = committed + %s WHERE programme_id = %s AND organization_id = %s",
                [amount, programme.pk, enterprise_id],
            )
        ],
    )


def release_committed(voucher: Voucher, amount: Decimal):
    """Give `amount` of a voucher's committed face value back (expiry, cancellation, unused part of a
    redemption). Same lock order as the issuers: enterprise → programme → type (each UPDATE locks its row)."""
    if amount <= 0:
        return
    EnterpriseCounter.objects.filter(programme_id=voucher.programme_id, organization_id=voucher.enterprise_id).update(
        committed=F("committed") - amount
    )
    BudgetCounter.objects.filter(programme_id=voucher.programme_id, voucher_type__isnull=True).update(committed=F("committed") - amount)
    BudgetCounter.objects.filter(programme_id=voucher.programme_id, voucher_type_id=voucher.voucher_type_id).update(
        committed=F("committed") - amount
    )


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
    *,
    voucher_type: VoucherType,
    amount,
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
    with transaction.atomic():  # a refusal below rolls the key's row back with everything else: nothing is stored
        if key and not _claim_key(user, key, fp):
            return _replay(IdempotencyKey.objects.get(user=user, key=key), fp)
        if amount > voucher_type.cap_per_voucher:
            raise Refused(
                "above_voucher_cap",
                f"申领金额超过单张券面额上限{yuan_text(voucher_type.cap_per_voucher)}元",
                f"The amount is above the cap of {yuan_text(voucher_type.cap_per_voucher)} yuan per voucher.",
                422,
                "amount",
            )
        if not programme.window_is_open(arrived_at):
            raise Refused("window_closed", "申领窗口未开放", "The application window is not open.", 409)
        elig = eligibility(programme, enterprise, timezone.localdate(arrived_at))
        if not elig.ok:
            raise elig.refusal
        # From the counter's UPDATE on, the programme's row is locked until COMMIT: only two statements more.
        outcome, writes = _decide_application(user, programme, voucher_type, enterprise, amount, arrived_at, elig, key)
        outcome.body = render(outcome)
        if key:
            answer = {"status_code": outcome.status, "response": outcome.body, "voucher": outcome.voucher.pk}
            fields = [IdempotencyKey._meta.get_field(name) for name in answer]
            sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
            params = [f.get_db_prep_save(answer[f.name], connection) for f in fields]
            where = f"user_id = %s AND {connection.ops.quote_name('key')} = %s"
            writes.append((f"UPDATE {IdempotencyKey._meta.db_table} SET {sets} WHERE {where}", [*params, user.pk, key]))
        _write_together(writes)
        return outcome


def _decide_application(user, programme, vtype, enterprise, amount, arrived_at, elig, key) -> tuple[Outcome, list]:
    """The decision and the writes that record it: the voucher, its change record and events, and the counters if
    it is issued."""
    base = dict(
        id=_reserve_id(Voucher),
        programme=programme,
        voucher_type=vtype,
        enterprise=enterprise,
        applicant=actor(user),
        requested_amount=amount,
        arrived_at=arrived_at,
    )
    applied_payload = {"requested": str(amount), "eligibility": elig.basis, **({"idempotency_key": key} if key else {})}
    if programme.allocation_mode == AllocationMode.REVIEW:
        voucher = Voucher(**base, status=VoucherStatus.APPLIED)
        return Outcome(201, voucher), _new_voucher(
            voucher, [new_event(voucher, EventKind.APPLIED, user, payload=applied_payload, at=arrived_at)]
        )
    seq, refusal, writes = _allocate(programme, vtype, enterprise.pk, amount)
    now = timezone.now()
    if refusal is None:
        voucher = Voucher(**base, seq=seq, decided_at=now, **_issued_fields(programme, seq, amount, now))
        kind, detail = EventKind.ISSUED, {"amount": amount}
    else:
        detail = {"reason_code": refusal.reason_code, "reason": refusal.text[:500]}
        voucher = Voucher(**base, seq=seq, decided_at=now, status=VoucherStatus.REJECTED, **detail)
        kind = EventKind.REJECTED
    events = [
        new_event(voucher, EventKind.APPLIED, user, payload=applied_payload, at=arrived_at),
        new_event(voucher, kind, user, **detail, payload={"seq": seq}, at=now),
    ]
    return Outcome(201 if refusal is None else refusal.status, voucher, refusal), [*_new_voucher(voucher, events), *writes]


def review(user, voucher, *, score=None, note: str = "") -> Voucher:
    """Review mode: the bureau scores an application (the ranking issue_ranked follows)."""
    bureau_only(user)
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.REVIEWED, "评审", "reviewed")
        v.review_score = None if score is None else Decimal(str(score))
        v.save(update_fields=["review_score", "updated"])
        new_event(v, EventKind.REVIEWED, user, reason=note, payload={"score": None if score is None else str(score)}).save()
    return v


def issue(user, voucher, *, face_value=None) -> Voucher:
    """Review mode: issue an application (optionally for less than requested). Raises Refused when the
    budget or the enterprise's cap does not allow it; the application then stays open."""
    bureau_only(user)
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.ISSUED, "发放", "issued")
        amount = money(face_value if face_value is not None else v.requested_amount, "face_value")
        if amount > v.requested_amount:
            raise Refused(
                "above_requested",
                f"面额不能超过申请金额{yuan_text(v.requested_amount)}元",
                f"The face value cannot be above the {yuan_text(v.requested_amount)} yuan applied for.",
                422,
                "face_value",
            )
        if amount > v.voucher_type.cap_per_voucher:
            raise Refused(
                "above_voucher_cap",
                f"面额超过单张券上限{yuan_text(v.voucher_type.cap_per_voucher)}元",
                f"The face value is above the cap of {yuan_text(v.voucher_type.cap_per_voucher)} yuan per voucher.",
                422,
                "face_value",
            )
        with transaction.atomic():  # a refusal rolls back the counters' seq with it
            seq, refusal, writes = _allocate(v.programme, v.voucher_type, v.enterprise_id, amount)
            if refusal is not None:
                raise refusal
            _write_together(writes)
        now = timezone.now()
        for name, value in {**_issued_fields(v.programme, seq, amount, now), "seq": seq, "decided_at": now}.items():
            setattr(v, name, value)
        v.save()
        new_event(v, EventKind.ISSUED, user, amount, payload={"seq": seq}, at=now).save()
    return v


def reject(user, voucher, *, reason: str) -> Voucher:
    """Review mode: refuse an application."""
    bureau_only(user)
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = lock_voucher(voucher)
        require_step(v, EventKind.REJECTED, "驳回", "rejected")
        v.status, v.decided_at, v.reason_code, v.reason = VoucherStatus.REJECTED, timezone.now(), "rejected_in_review", reason[:500]
        v.save()
        new_event(v, EventKind.REJECTED, user, reason_code="rejected_in_review", reason=reason).save()
    return v


def issue_ranked(user, programme: Programme) -> dict:
    """Review mode: issue the open applications by score (highest first, then earliest), each in its own
    transaction; those the budget or the cap no longer allows are rejected with that reason."""
    bureau_only(user)
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
            reject(user, pk, reason=r.text)
            counts["rejected"] += 1
    return counts


def _give_back(user, v: Voucher, kind: str, reason_code: str, reason: str):
    returned = v.face_value if v.status != VoucherStatus.APPLIED else ZERO
    release_committed(v, returned)
    v.status = VoucherStatus.EXPIRED if kind == EventKind.EXPIRED else VoucherStatus.CANCELLED
    v.reason_code, v.reason = reason_code, reason[:500]
    v.save()
    new_event(v, kind, user, returned, reason_code=reason_code, reason=reason).save()


def cancel(user, voucher, *, reason: str) -> Voucher:
    """The enterprise gives a voucher up (or the bureau withdraws it) before it is claimed; its face value
    returns to the budget."""
    if not (reason or "").strip():
        raise Refused("reason_required", "请填写理由", "A reason is required.", 422, "reason")
    with transaction.atomic():
        v = lock_voucher(voucher)
        if not (is_enterprise_of(user, v) or scope_for(user).is_bureau):
            raise forbidden("只有申领企业或科技局可以作废创新券", "Only the voucher's enterprise or the bureau may cancel it.")
        if v.status == VoucherStatus.DELIVERED and not scope_for(user).is_bureau:
            # the provider has done the work and is owed its claim: only the bureau may withdraw such a voucher
            raise forbidden("服务已交付，只有科技局可以作废", "The service has been delivered: only the bureau may cancel the voucher.")
        require_step(v, EventKind.CANCELLED, "作废", "cancelled")
        _give_back(user, v, EventKind.CANCELLED, "cancelled", reason)
    return v


def expire_due(user, *, today: dt.date | None = None, programme: Programme | None = None) -> int:
    """Expire every voucher past its validity that no redemption is pending for; each returns its face
    value to the budget. Safe to run at any time, any number of times (a daily job)."""
    user = user or SYSTEM
    bureau_only(user)
    today = today or timezone.localdate()
    qs = Voucher.objects.filter(status__in=ledger.TRANSITIONS["expired"][0], expires_on__lt=today)
    if programme is not None:
        qs = qs.filter(programme=programme)
    done = 0
    for pk in qs.values_list("pk", flat=True):
        with transaction.atomic():
            v = lock_voucher(pk)
            if v.status not in ledger.TRANSITIONS["expired"][0] or not v.expires_on or v.expires_on >= today:
                continue  # changed since the query
            _give_back(
                user, v, EventKind.EXPIRED, "expired", f"有效期至{v.expires_on.isoformat()} / valid until {v.expires_on.isoformat()}"
            )
            done += 1
    return done
