"""Cultivation pools (培育库): filled from evaluation runs, ranked by how close each enterprise is (the distance
of ``engine.pools``), plus enterprises recommended by hand."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.bulkrows import update_rows
from heluo.core.permissions import require_bureau, save_in_scope
from heluo.cultivation.engine.pools import AUTO_REASONS, distance, gaps, open_criteria, pools, score_upper_bound
from heluo.cultivation.models import EvaluationResult, Outcome, PoolEntry, PoolSource
from heluo.cultivation.selectors.pools import latest_run, pool_year
from heluo.cultivation.selectors.rulesets import load_ruleset_any, pool_ruleset
from heluo.cultivation.services.evaluation import run_evaluations
from heluo.orgs.models import Qualification

# What a refresh sets on an entry from the evaluation; a changed entry also points at the newer run.
REFRESHED = ("distance", "rank", "result", "score", "gaps", "removed_on", "removed_reason")


def refresh_pool(user, code: str, *, year: int, evaluate: bool = True) -> dict:
    """Fill pool ``code`` for ``year`` from a fresh evaluation (or the latest stored run): add newcomers, update
    ranks, mark as removed those who no longer qualify or now hold the qualification. Recommended entries
    stay; entries removed by hand stay removed. Idempotent: refreshing twice on the same data changes no
    entry's figures (unchanged entries only point at the newer run)."""
    return refresh_pools(user, [code], year=year, evaluate=evaluate)[code]


@transaction.atomic
def refresh_pools(user, codes, *, year: int, evaluate: bool = True) -> dict[str, dict]:
    """``refresh_pool`` for several pools at once: the rule sets of each evaluation year are evaluated in one
    pass, and each pool is written with a few set-based statements (its change log in one insert)."""
    if user is not None:  # None: the command line
        require_bureau(user)
    targets = []
    for code in codes:
        pool = pools()[code]
        name = pool_ruleset(pool)
        if not name:
            raise ValueError(f"培育库“{pool.zh}”尚未指定规则集 / pool {code} has no rule set yet")
        targets.append((code, pool, name, year + pool.year_offset))
    out = {}

    def refill(name: str, eval_year: int, run, results):
        for code, pool, n, y in targets:
            if (n, y) == (name, eval_year):
                out[code] = {"run": run, **_refill(user, code, pool, year, run, load_ruleset_any(name), results)}

    if evaluate:
        for eval_year in sorted({t[3] for t in targets}):
            names = list(dict.fromkeys(t[2] for t in targets if t[3] == eval_year))
            # each run's results fill its pools before the next run's are built: one run in memory at a time
            for rs, run, results in run_evaluations(user, [load_ruleset_any(n) for n in names], year=eval_year):
                refill(rs.name, eval_year, run, results)
    else:
        for name, eval_year in dict.fromkeys((t[2], t[3]) for t in targets):
            run = latest_run(name, eval_year)
            if run is None:
                raise ValueError(f"{name} {eval_year} 尚无评价结果 / no evaluation run yet")
            refill(name, eval_year, run, list(EvaluationResult.objects.filter(run=run)))
    return {code: out[code] for code, *_ in targets}


def _refill(user, code, pool, year: int, run, rs, results) -> dict:
    names = {c.code: c.zh for c in rs.criteria}
    holders = set(
        Qualification.objects.filter(Qualification.valid_on_q(run.as_of), kind=pool.qualification).values_list("organization_id", flat=True)
    )
    chosen = []
    for r in results:
        if r.organization_id in holders:
            continue
        d = 0.0 if r.result == Outcome.PASS else distance(r.detail, r.failed_codes)
        if d <= pool.max_distance:
            chosen.append((d, (open_criteria(r.detail), -score_upper_bound(r.score), r.organization_id), r))
    # nearest first; among equals, fewer criteria left to verify, then the higher score still possible
    chosen.sort(key=lambda t: (t[0], t[1]))
    today = timezone.localdate()
    existing = {e.organization_id: e for e in PoolEntry.objects.filter(pool=code, year=year)}
    # someone took these out by hand, with a reason: a refresh does not put them back
    by_hand = {o for o, e in existing.items() if e.removed_on and e.removed_reason not in AUTO_REASONS}
    added, updated, removed = [], [], []
    changes = []  # (entry, state before) in the order a save per entry would have logged them
    keep = set()
    rank = 0
    for d, _key, r in chosen:
        if r.organization_id in by_hand:
            continue
        rank += 1
        keep.add(r.organization_id)
        fields = dict(
            distance=d,
            rank=rank,
            result=r.result,
            score=r.score,
            gaps=gaps(r.detail, r.failed_codes, names),
            removed_on=None,
            removed_reason="",
        )
        e = existing.get(r.organization_id)
        if e is None:
            e = PoolEntry(
                pool=code,
                year=year,
                organization_id=r.organization_id,
                source=PoolSource.EVALUATION,
                run=run,
                added_by=user if getattr(user, "is_authenticated", False) else None,
                added_on=today,
                **fields,
            )
            added.append(e)
            changes.append((e, None))
        elif any(getattr(e, k) != v for k, v in fields.items()):
            changes.append((e, audit.serialize(e)))
            for k, v in fields.items():
                setattr(e, k, v)
            e.run = run
            updated.append(e)
    for org_id, e in existing.items():
        if org_id in keep or e.removed_on or e.source == PoolSource.RECOMMENDED:
            continue
        changes.append((e, audit.serialize(e)))
        e.removed_on, e.rank = today, None
        e.removed_reason = AUTO_REASONS[0] if org_id in holders else AUTO_REASONS[1]
        removed.append(e)
    PoolEntry.objects.bulk_create(added, batch_size=1000)
    update_rows(PoolEntry, updated, [*REFRESHED, "run"])
    update_rows(PoolEntry, removed, ["removed_on", "rank", "removed_reason"])
    # entries that did not change only point at the newer run (no audit row: the figures are the same)
    PoolEntry.objects.filter(pool=code, year=year, organization_id__in=keep).exclude(run=run).update(run=run)
    log = []
    for e, before in changes:
        after = audit.serialize(e)
        if before != after:  # as for a save: one that changed nothing is not a change
            log.append((e.pk, e, "create" if before is None else "update", before, after))
    audit.record_changes(PoolEntry, log)
    return {"added": len(added), "updated": len(updated), "removed": len(removed), "members": len(keep)}


def refresh_all_pools(user, *, year: int | None = None) -> dict:
    """Every pool that has a rule set, for ``year`` (default: the year the pools are shown for): the daily job."""
    year = year or pool_year()
    codes = [code for code, pool in pools().items() if pool_ruleset(pool)]
    refreshed = refresh_pools(user, codes, year=year)
    return {
        "year": year,
        "pools": {
            code: {"run": out["run"].pk, **{k: out[k] for k in ("added", "updated", "removed", "members")}}
            for code, out in refreshed.items()
        },
    }


def recommend(user, organization, *, code: str, year: int, note: str = "") -> PoolEntry:
    """District or bureau staff put an enterprise into a pool by hand (scope-checked)."""
    if code not in pools():
        raise ValueError(code)
    entry = PoolEntry.objects.filter(pool=code, year=year, organization=organization).first()
    if entry is None:
        entry = PoolEntry(
            pool=code, year=year, organization=organization, source=PoolSource.RECOMMENDED, added_on=timezone.localdate(), added_by=user
        )
    entry.note, entry.removed_on, entry.removed_reason = note, None, ""
    return save_in_scope(user, entry)


def remove(user, entry: PoolEntry, *, reason: str) -> PoolEntry:
    entry.removed_on, entry.removed_reason, entry.rank = timezone.localdate(), reason[:200], None
    return save_in_scope(user, entry)
