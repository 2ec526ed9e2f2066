"""Cultivation pools (培育库): configured in ``config/pools.json``, filled from evaluation runs, ranked by
how close each enterprise is, plus enterprises recommended by hand.

Distance: for each definitely failed criterion that compares two numbers, |threshold − value| / |threshold|
(1 when the threshold is 0 or the criterion is a yes/no condition); summed. 0 means nothing failed — the
enterprise passes, or only has criteria left to verify. A pool takes the enterprises not holding its
qualification on the evaluation date whose distance is at most the pool's ``max_distance``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import CHANGE, require_bureau
from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome, PoolEntry, PoolSource
from heluo.orgs.models import Qualification

CONFIG = Path(__file__).with_name("config") / "pools.json"
TO_VERIFY = "待核实"
AUTO_REASONS = ("已取得资质", "不再满足入库条件")  # removals made by a refresh, which a later refresh may undo


@dataclass(frozen=True)
class Pool:
    code: str
    zh: str
    en: str
    ruleset: str | None
    qualification: str
    max_distance: float
    year_offset: int
    note_zh: str = ""
    note_en: str = ""


@cache
def pools() -> dict[str, Pool]:
    raw = json.loads(CONFIG.read_text(encoding="utf-8"))
    return {p["code"]: Pool(**p) for p in raw["pools"]}


def pool_ruleset(pool: Pool) -> str | None:
    """The shipped rule set, or for a locally defined pool (瞪羚) the active custom set assigned to it."""
    if pool.ruleset:
        return pool.ruleset
    from heluo.cultivation.models import CustomRuleSet

    custom = CustomRuleSet.objects.filter(pool=pool.code, active=True).order_by("-pk").first()
    return custom.name if custom else None


def distance(detail: dict, failed: list[str]) -> float:
    total = 0.0
    crits = detail.get("criteria", {})
    for code in failed:
        c = crits.get(code, {})
        value, thr = c.get("value"), c.get("threshold")
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (value, thr))
        total += abs(thr - value) / abs(thr) if numeric and thr != 0 else 1.0
    return round(total, 6)


def gaps(detail: dict, failed: list[str], names: dict[str, str]) -> list[dict]:
    crits = detail.get("criteria", {})
    out = [{"code": c, "name": names.get(c, c), "gap": crits.get(c, {}).get("gap_zh", "未满足"), "state": "fail"} for c in failed]
    out += [
        {"code": c, "name": names.get(c, c), "gap": TO_VERIFY, "state": "undetermined"}
        for c, d in crits.items()
        if d.get("state") == "undetermined" and c in names
    ]
    return out


def latest_run(ruleset: str, year: int) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(ruleset=ruleset, year=year).order_by("-pk").first()


@transaction.atomic
def refresh_pool(code: str, year: int, user=None, evaluate: bool = True) -> dict:
    """Fill pool ``code`` for ``year`` from a fresh evaluation (or the latest stored run): add newcomers, update
    ranks, mark as removed those who no longer qualify or now hold the qualification. Recommended entries
    stay; entries removed by hand stay removed. Idempotent: refreshing twice on the same data changes no
    entry's figures (unchanged entries only point at the newer run)."""
    from heluo.cultivation.services import run_evaluation

    if user is not None:  # None: the command line
        require_bureau(user)
    pool = pools()[code]
    name = pool_ruleset(pool)
    if not name:
        raise ValueError(f"培育库“{pool.zh}”尚未指定规则集 / pool {code} has no rule set yet")
    eval_year = year + pool.year_offset
    run = run_evaluation(load_ruleset_any(name), eval_year, user=user) if evaluate else latest_run(name, eval_year)
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
            open_ = sum(1 for c in r.detail.get("criteria", {}).values() if c.get("state") == "undetermined")
            chosen.append((d, (open_, -_score_hi(r.score), r.organization_id), r))
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


def _score_hi(score: str) -> float:
    try:
        return float(score.split("–")[-1]) if score else 0.0
    except ValueError:
        return 0.0


def load_ruleset_any(name: str):
    """A shipped rule set or a custom one configured in the UI."""
    from heluo.cultivation.rules import load_ruleset, ruleset_names

    if name in ruleset_names():
        return load_ruleset(name)
    from heluo.cultivation.models import CustomRuleSet

    return CustomRuleSet.objects.get(name=name).parsed()


def recommend(user, organization, code: str, year: int, note: str = "") -> PoolEntry:
    """District or bureau staff put an enterprise into a pool by hand (scope-checked)."""
    from heluo.core.permissions import save_in_scope

    if code not in pools():
        raise ValueError(code)
    entry = PoolEntry.objects.filter(pool=code, year=year, organization=organization).first()
    if entry is None:
        entry = PoolEntry(
            pool=code, year=year, organization=organization, source=PoolSource.RECOMMENDED, added_on=timezone.localdate(), added_by=user
        )
    entry.note, entry.removed_on, entry.removed_reason = note, None, ""
    return save_in_scope(user, entry)


def remove(user, entry: PoolEntry, reason: str) -> PoolEntry:
    from heluo.core.permissions import save_in_scope

    entry.removed_on, entry.removed_reason, entry.rank = timezone.localdate(), reason[:200], None
    return save_in_scope(user, entry)


def members(user, code: str, year: int, area_ids=None, include_removed=False):
    qs = PoolEntry.objects.restrict(user).filter(pool=code, year=year).select_related("organization", "organization__area")
    if not include_removed:
        qs = qs.filter(removed_on__isnull=True)
    if area_ids:
        qs = qs.filter(organization__area_id__in=area_ids)
    return qs.order_by("rank", "organization__name")


def can_change(user, entry: PoolEntry) -> bool:
    return PoolEntry.objects.restrict(user, CHANGE).filter(pk=entry.pk).exists()
