"""Evaluation runs: all enterprises of a year through one rule set in one vectorised pass, stored with
the rule-set version, and the difference between two runs.

"Close to qualifying" (``diff_runs``): an enterprise not passing (fail, or undetermined for want of data)
that has at least one definitely failed criterion, and whose every failed criterion compares a number
with a number and misses it by at most ``close_share`` of the threshold (|threshold − value| ≤ share ×
|threshold|; default 10%, setting ``HELUO_CULTIVATION_CLOSE_SHARE``). A failed criterion that is a
condition (a yes/no fact) or has no exact value never counts as close.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from heluo.cultivation.engine import evaluate_frames, frame_evaluations
from heluo.cultivation.inputs import evaluation_date, registry_inputs, to_input_frame
from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome
from heluo.cultivation.qualify_csv import format_score
from heluo.cultivation.rules import RuleSet, load_ruleset

DEFAULT_CLOSE_SHARE = 0.10


def close_share() -> float:
    return float(getattr(settings, "HELUO_CULTIVATION_CLOSE_SHARE", DEFAULT_CLOSE_SHARE))


def ruleset_hash(rs: RuleSet) -> str:
    """SHA-256 of what decides the results: name, version, parameters and criteria."""
    payload = json.dumps(
        {"name": rs.name, "version": rs.version, "parameters": rs.parameters, "criteria": [repr(c) for c in rs.criteria]},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_evaluation(ruleset: RuleSet | str, year: int, user=None, as_of: dt.date | None = None) -> EvaluationRun:
    """Evaluate every enterprise for ``year`` and store one result per enterprise."""
    rs = load_ruleset(ruleset) if isinstance(ruleset, str) else ruleset
    as_of = as_of or evaluation_date(year)
    inputs = registry_inputs(rs, year, as_of=as_of)
    results = []
    if inputs:
        frame = evaluate_frames([rs], to_input_frame(rs, inputs), year, as_of)[rs.name]
        results = frame_evaluations(rs, frame, year)
    counts = {o: 0 for o in Outcome.values}
    for ev in results:
        counts[ev.result] += 1
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            ruleset=rs.name,
            ruleset_version=rs.version,
            ruleset_hash=ruleset_hash(rs),
            year=year,
            as_of=as_of,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            total=len(results),
            passed=counts["pass"],
            failed=counts["fail"],
            undetermined=counts["undetermined"],
        )
        EvaluationResult.objects.bulk_create(
            [
                EvaluationResult(
                    run=run,
                    organization_id=int(ev.credit_code),
                    result=ev.result,
                    score=format_score(ev.score),
                    failed=";".join(ev.failed)[:500],
                    detail=ev.detail(rs),
                )
                for ev in results
            ],
            batch_size=2000,
        )
    return run


def is_close(result: EvaluationResult, share: float | None = None) -> bool:
    share = close_share() if share is None else share
    if result.result == Outcome.PASS or not result.failed_codes:
        return False
    crits = result.detail.get("criteria", {})
    for code in result.failed_codes:
        c = crits.get(code, {})
        value, thr = c.get("value"), c.get("threshold")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (value, thr)):
            return False
        if abs(thr - value) > share * abs(thr) or (thr == 0 and value != thr):
            return False
    return True


@dataclass
class RunDiff:
    newly_qualified: list[EvaluationResult] = field(default_factory=list)
    lost: list[EvaluationResult] = field(default_factory=list)
    newly_close: list[EvaluationResult] = field(default_factory=list)

    def __bool__(self):
        return bool(self.newly_qualified or self.lost or self.newly_close)


def diff_runs(run: EvaluationRun, previous: EvaluationRun | None, share: float | None = None, user=None) -> RunDiff:
    """Newly qualified, lost, and newly close to qualifying (see the module docstring), in ``run`` against
    ``previous``; with no previous run every pass is new. ``user`` limits the lists to the user's scope."""
    cur = EvaluationResult.objects.filter(run=run).select_related("organization")
    old = EvaluationResult.objects.filter(run=previous) if previous else EvaluationResult.objects.none()
    if user is not None:
        cur, old = cur.restrict(user), old.restrict(user)
    before = {r.organization_id: r for r in old}
    diff = RunDiff()
    for r in cur.order_by("organization__name"):
        b = before.get(r.organization_id)
        was_pass = b is not None and b.result == Outcome.PASS
        if r.result == Outcome.PASS and not was_pass:
            diff.newly_qualified.append(r)
        elif was_pass and r.result != Outcome.PASS:
            diff.lost.append(r)
        elif is_close(r, share) and not was_pass and not (b is not None and is_close(b, share)):
            diff.newly_close.append(r)
    return diff
