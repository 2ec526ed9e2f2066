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


def _lock(model, wait: bool = True) -> bool:
    """One sealer per chain at a time. SQLite's write transactions (BEGIN IMMEDIATE) are already serial.

    Without `wait` (a seal right after a commit): take the chain if it is free. If it is not, queue as the one
    next sealer, who lets go of its place in the queue only once it has the chain and before it reads the unsealed
    rows, so it takes every row committed by anyone who found the queue taken; or, if someone has that place,
    leave the rows to them (False). So no sealer waits behind more than one other."""
    if connection.vendor != "postgresql":
        return True
    name = f"heluo-audit-{model._meta.db_table}"
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            return True
        cursor.execute(
            "SELECT CASE WHEN pg_try_advisory_xact_lock(hashtext(%s)) THEN 'chain' WHEN pg_try_advisory_lock(hashtext(%s)) THEN 'next' END",
            [name, f"{name}-next"],
        )
        got = cursor.fetchone()[0]
        if got == "next":
            try:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"{name}-next"])
            except Exception:
                connection.close()  # the place in the queue is the session's: closing the session gives it up
                raise
        return got is not None


def fragment(value) -> str:
    """One value as row_hash writes it into the hashed content."""
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def chain_new(model, rows: list[list[str]]) -> list[tuple[int, str]]:
    """Places and hashes for new rows written already sealed, in the current transaction: a bulk import's change
    records (sealing them after the commit would read every one back). `rows` hold each row's CHAINED_FIELDS as
    fragments; the content hashed is the one row_hash builds (json.dumps of a list joins its items' own dumps with
    ","). Takes the chain's lock until the transaction ends: call it last, once everything else is written."""
    key = _key()
    _lock(model)
    seq, previous = _head(model)
    out = []
    for fragments in rows:
        seq += 1
        content = f'["{previous}",{",".join(fragments)}]'  # a hash is hexadecimal: nothing to escape
        previous = hmac.new(key, content.encode(), hashlib.sha256).hexdigest()
        out.append((seq, previous))
    return out


def _anchor(model) -> tuple[int, str]:
    anchor = AuditAnchor.objects.filter(table=model._meta.db_table).order_by("-chain_seq").first()
    return (anchor.chain_seq, anchor.chain_hash) if anchor else (0, "")


def _head(model) -> tuple[int, str]:
    with connection.cursor() as cursor:  # plain SQL: run after every commit that wrote audit rows
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT chain_seq, chain_hash FROM {table} WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1")
        last = cursor.fetchone()
    return tuple(last) if last else _anchor(model)


def seal(models=None, *, wait: bool = True) -> int:
    """Seal every row not yet in its chain, oldest first. Returns how many rows were sealed. Without `wait`, a
    chain someone else is sealing, with someone queued behind, is left to them (see _lock)."""
    key, sealed = _key(), 0
    for model in models or chained_models():
        fields = CHAINED_FIELDS[model]
        while True:
            with transaction.atomic():
                if not _lock(model, wait):
                    break
                pending = list(model.objects.filter(chain_seq__isnull=True).order_by("id").values_list("id", *fields)[:SEAL_BATCH])
                if not pending:
                    break
                seq, previous = _head(model)
                links = []
                for pk, *values in pending:
                    seq += 1
                    previous = row_hash(previous, values, key)
                    links.append((pk, seq, previous))
                _write_links(model, links)
                sealed += len(links)
            if not wait and len(pending) < SEAL_BATCH:
                break  # whatever was committed after the read found the chain taken: its sealer is queued
    return sealed


def _write_links(model, links, batch=1000):
    """Each row's (id, chain_seq, chain_hash), in one UPDATE … FROM (VALUES …) per batch (both databases name the
    columns of VALUES column1, column2, …)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(links), batch):
            part = links[start : start + batch]
            values = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT), %s)"] * len(part))
            cursor.execute(
                f"UPDATE {table} SET chain_seq = v.column2, chain_hash = v.column3 FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [value for link in part for value in link],
            )


class _SealAfterCommit:
    """The chains one transaction wrote to, sealed once it has committed."""

    def __init__(self, models):
        self.models = set(models)

    def __call__(self):
        seal([m for m in chained_models() if m in self.models], wait=False)


def seal_after_commit(model=None):
    """Ask for a seal of `model`'s chain (None: every chain) once the current transaction commits (one seal per
    transaction; at once outside one)."""
    wanted = {model} if model is not None else set(chained_models())
    if connection.in_atomic_block:
        here = set(connection.savepoint_ids)  # a request made in a savepoint goes if the savepoint is rolled back
        for sids, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _SealAfterCommit) and sids == here:
                callback.models |= wanted
                return
    transaction.on_commit(_SealAfterCommit(wanted))


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
