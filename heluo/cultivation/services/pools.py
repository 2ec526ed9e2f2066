"""Cultivation pools (培育库): filled from evaluation runs, ranked by how close each enterprise is (the distance
of ``engine.pools``), plus enterprises recommended by hand."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import require_bureau, save_in_scope
from heluo.cultivation.engine.pools import AUTO_REASONS, distance, gaps, open_criteria, pools, score_upper_bound
from heluo.cultivation.models import EvaluationResult, Outcome, PoolEntry, PoolSource
from heluo.cultivation.selectors.pools import latest_run, pool_year
from heluo.cultivation.selectors.rulesets import load_ruleset_any, pool_ruleset
from heluo.cultivation.services.evaluation import run_evaluation
from heluo.orgs.models import Qualification


@transaction.atomic
def refresh_pool(user, code: str, *, year: int, evaluate: bool = True) -> dict:
    """Fill pool ``code`` for ``year`` from a fresh evaluation (or the latest stored run): add newcomers, update
    ranks, mark as removed those who no longer qualify or now hold the qualification. Recommended entries
    stay; entries removed by hand stay removed. Idempotent: refreshing twice on the same data changes no
    entry's figures (unchanged entries only point at the newer run)."""
    if user is not None:  # None: the command line
        require_bureau(user)
    pool = pools()[code]
    name = pool_ruleset(pool)
    if not name:
        raise ValueError(f"培育库“{pool.zh}”尚未指定规则集 / pool {code} has no rule set yet")
    eval_year = year + pool.year_offset
    run = run_evaluation(user, load_ruleset_any(name), year=eval_year) if evaluate else latest_run(name, eval_year)
    if run is None:
        raise ValueError(f"{name} {eval_year} 尚无评价结果 / no evaluation run yet")
    rs = load_ruleset_any(name)
    names = {c.code: c.zh for c in rs.criteria}
    holders = set(
        Qualification.objects.filter(Qualification.valid_on_q(run.as_of), kind=pool.qualification).values_list("organization_id", flat=True)
    )
    chosen = []
    for r in EvaluationResult.objects.filter(run=run).exclude(organization_id__in=holders).iterator():
        d = 0.0 if r.result == Outcome.PASS else distance(r.detail, r.failed_codes)
        if d <= pool.max_distance:
            chosen.append((d, (open_criteria(r.detail), -score_upper_bound(r.score), r.organization_id), r))
    # nearest first; among equals, fewer criteria left to verify, then the higher score still possible
    chosen.sort(key=lambda t: (t[0], t[1]))
    today = timezone.localdate()
    existing = {e.organization_id: e for e in PoolEntry.objects.filter(pool=code, year=year)}
    # someone took these out by hand, with a reason: a refresh does not put them back
    by_hand = {o for o, e in existing.items() if e.removed_on and e.removed_reason not in AUTO_REASONS}
    added = updated = removed = 0
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
            PoolEntry.objects.create(
                pool=code,
                year=year,
                organization_id=r.organization_id,
                source=PoolSource.EVALUATION,
                run=run,
                added_by=user if getattr(user, "is_authenticated", False) else None,
                added_on=today,
                **fields,
            )
            added += 1
        elif any(getattr(e, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(e, k, v)
            e.run = run
            e.save()
            updated += 1
    # entries that did not change only point at the newer run (no audit row: the figures are the same)
    PoolEntry.objects.filter(pool=code, year=year, organization_id__in=keep).exclude(run=run).update(run=run)
    for org_id, e in existing.items():
        if org_id in keep or e.removed_on or e.source == PoolSource.RECOMMENDED:
            continue
        e.removed_on, e.rank = today, None
        e.removed_reason = AUTO_REASONS[0] if org_id in holders else AUTO_REASONS[1]
        e.save()
        removed += 1
    return {"run": run, "added": added, "updated": updated, "removed": removed, "members": len(keep)}


def refresh_all_pools(user, *, year: int | None = None) -> dict:
    """Every pool that has a rule set, for ``year`` (default: the year the pools are shown for): the daily job."""
    year = year or pool_year()
    refreshed = {}
    for code, pool in pools().items():
        if pool_ruleset(pool):
            out = refresh_pool(user, code, year=year)
            refreshed[code] = {"run": out["run"].pk, **{k: out[k] for k in ("added", "updated", "removed", "members")}}
    return {"year": year, "pools": refreshed}


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
