"""Tamper evidence for the audit tables (change records, sensitive reads, security events).

Rows are written as they happen and sealed right after their transaction commits: each sealed row gets the next
place in its table's chain and an HMAC of its content and of the hash before it, keyed by HELUO_AUDIT_KEY (by
default derived from the secret key, which is not in the database). Editing or deleting a sealed row, or
inserting one in between, breaks the chain, and `heluo audit verify` names where. Sealing after commit, in its
own short transaction, keeps the chain's lock out of the business transactions (no lock-order deadlocks with
vouchers' budget rows), and hashing what was read back from the database makes sealing and verifying agree
on both engines. Removing the tail is not detectable from the rows alone: `heluo audit verify` prints each
chain's head, which the audit administrator records outside the database (see README, security).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditAnchor, ObjectChange, SecurityEvent, SensitiveAccess

# What each chained row's hash covers. Not the primary key (the chain orders rows) and not the user foreign key
# (it is set to NULL when a user is deleted; the name is kept).
CHAINED_FIELDS = {
    ObjectChange: (
        "time",
        "user_name",
        "request_id",
        "via",
        "action",
        "content_type_id",
        "object_id",
        "object_repr",
        "prechange_data",
        "postchange_data",
        "address",
    ),
    SensitiveAccess: ("time", "user_name", "via", "kind", "content_type_id", "object_id", "object_repr", "detail", "address"),
    SecurityEvent: ("time", "user_name", "kind", "via", "request_id", "detail", "address"),
}
SEAL_BATCH = 5000


def chained_models():
    return tuple(CHAINED_FIELDS)


def _key() -> bytes:
    key = settings.HELUO_AUDIT_KEY or hmac.new(settings.SECRET_KEY.encode(), b"heluo-audit-chain", hashlib.sha256).hexdigest()
    return key.encode()


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def row_hash(previous: str, values, key: bytes) -> str:
    content = json.dumps([previous, *(_plain(v) for v in values)], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


def _lock(model):
    """One sealer per chain at a time. SQLite's write transactions (BEGIN IMMEDIATE) are already serial."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"heluo-audit-{model._meta.db_table}"])


def _anchor(model) -> tuple[int, str]:
    anchor = AuditAnchor.objects.filter(table=model._meta.db_table).order_by("-chain_seq").first()
    return (anchor.chain_seq, anchor.chain_hash) if anchor else (0, "")


def _head(model) -> tuple[int, str]:
    last = model.objects.filter(chain_seq__isnull=False).order_by("-chain_seq").values_list("chain_seq", "chain_hash").first()
    return last or _anchor(model)


def seal(models=None) -> int:
    """Seal every row not yet in its chain, oldest first. Returns how many rows were sealed."""
    key, sealed = _key(), 0
    for model in models or chained_models():
        fields = CHAINED_FIELDS[model]
        while True:
            with transaction.atomic():
                _lock(model)
                seq, previous = _head(model)
                pending = list(model.objects.filter(chain_seq__isnull=True).order_by("id").values_list("id", *fields)[:SEAL_BATCH])
                if not pending:
                    break
                rows = []
                for pk, *values in pending:
                    seq += 1
                    previous = row_hash(previous, values, key)
                    rows.append((seq, previous, pk))
                _store_seals(model, rows)
                sealed += len(rows)
    return sealed


def _store_seals(model, rows):
    """One parameterised UPDATE for many rows: bulk_update's CASE per row costs far more than the hashing."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET chain_seq = %s, chain_hash = %s WHERE id = %s", rows)


def _seal_after_commit():
    seal()


def seal_after_commit():
    """Ask for a seal once the current transaction commits (once per transaction; at once outside one)."""
    if connection.in_atomic_block and any(entry[1] is _seal_after_commit for entry in connection.run_on_commit):
        return
    transaction.on_commit(_seal_after_commit)


@dataclass
class ChainReport:
    table: str
    checked: int = 0
    head_seq: int = 0
    head_hash: str = ""
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(model) -> ChainReport:
    """Recompute the chain of one table; every changed, missing or inserted row is a problem."""
    key, fields, table = _key(), CHAINED_FIELDS[model], model._meta.db_table
    report = ChainReport(table)
    seq, previous = _anchor(model)
    if seq and not _purge_recorded(table, seq, previous):
        report.problems.append(f"{table}: the chain starts at #{seq}, but no sealed purge event records it")
    rows = model.objects.filter(chain_seq__isnull=False).order_by("chain_seq").values_list("id", "chain_seq", "chain_hash", *fields)
    for pk, row_seq, stored, *values in rows.iterator(chunk_size=5000):
        report.checked += 1
        if row_seq != seq + 1:
            report.problems.append(f"{table}: rows #{seq + 1}–#{row_seq - 1} of the chain are missing (before id {pk})")
        expected = row_hash(previous, values, key)
        if not hmac.compare_digest(expected, stored):
            report.problems.append(f"{table}: row id {pk} (#{row_seq}) was changed, or a row before it was")
        seq, previous = row_seq, stored
    report.head_seq, report.head_hash = seq, previous
    stale = timezone.now() - dt.timedelta(minutes=10)
    report.unsealed = model.objects.filter(chain_seq__isnull=True).count()
    if model.objects.filter(chain_seq__isnull=True, time__lt=stale).exists():
        report.problems.append(f"{table}: rows older than ten minutes are not sealed (run `heluo audit seal`)")
    return report


def _purge_recorded(table: str, seq: int, chain_hash: str) -> bool:
    return any(
        event.get("table") == table and event.get("up_to") == seq and event.get("hash") == chain_hash
        for event in SecurityEvent.objects.filter(kind=SecurityEvent.Kind.AUDIT_PURGED, chain_seq__isnull=False).values_list(
            "detail", flat=True
        )
    )


def purge(days: int) -> dict[str, int]:
    """Remove sealed rows older than `days` days from each chain, keeping an anchor so the rest still verifies.
    The removal itself is a sealed security event."""
    seal()
    cutoff, removed = timezone.now() - dt.timedelta(days=days), {}
    for model in chained_models():
        table = model._meta.db_table
        with transaction.atomic():
            _lock(model)
            last = (
                model.objects.filter(chain_seq__isnull=False, time__lt=cutoff)
                .order_by("-chain_seq")
                .values_list("chain_seq", "chain_hash")
                .first()
            )
            if last is None:
                continue
            up_to, chain_hash = last
            count, _ = model.objects.filter(chain_seq__lte=up_to).delete()
            AuditAnchor.objects.create(table=table, chain_seq=up_to, chain_hash=chain_hash, removed=count)
            SecurityEvent.objects.create(
                kind=SecurityEvent.Kind.AUDIT_PURGED,
                via="cli",
                detail={"table": table, "up_to": up_to, "hash": chain_hash, "removed": count},
            )
        removed[table] = count
    seal()
    return removed
