"""Evaluation runs: all enterprises of a year through one rule set in one vectorised pass, stored with
the rule-set version (the difference between two runs is a read: ``selectors.runs.diff_runs``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction

from heluo.cultivation.engine.frames import evaluate_frames, frame_evaluations
from heluo.cultivation.engine.qualify import format_score
from heluo.cultivation.engine.rules import RuleSet, load_ruleset
from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome
from heluo.cultivation.selectors.inputs import evaluation_date, registry_inputs, to_input_frame


def ruleset_hash(rs: RuleSet) -> str:
    """SHA-256 of what decides the results: name, version, parameters and criteria."""
    payload = json.dumps(
        {"name": rs.name, "version": rs.version, "parameters": rs.parameters, "criteria": [repr(c) for c in rs.criteria]},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_evaluation(user, ruleset: RuleSet | str, *, year: int, as_of: dt.date | None = None) -> EvaluationRun:
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
