"""Evaluation runs: all enterprises of a year through one rule set in one vectorised pass, stored with
the rule-set version (the difference between two runs is a read: ``selectors.runs.diff_runs``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator

from django.db import transaction

from heluo.core.bulkrows import insert_rows
from heluo.cultivation.engine.frames import evaluate_frames, frame_details
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
    for _rs, run, _results in run_evaluations(user, [rs], year=year, as_of=as_of):
        return run


def run_evaluations(
    user, rulesets: list[RuleSet], *, year: int, as_of: dt.date | None = None
) -> Iterator[tuple[RuleSet, EvaluationRun, list[EvaluationResult]]]:
    """Several rule sets over every enterprise of ``year`` in one pass (the registry read once, turned wide
    once), one stored run each. Yields (rule set, run, its stored results) as each run is stored; the results
    are not read back, so on PostgreSQL they have no primary keys."""
    as_of = as_of or evaluation_date(year)
    inputs = registry_inputs(rulesets, year, as_of=as_of)
    frames = evaluate_frames(rulesets, to_input_frame(rulesets, inputs), year, as_of) if inputs else None
    del inputs  # a province's registry: not kept while the results are built
    for rs in rulesets:
        rows = frame_details(rs, frames.pop(rs.name), year) if frames is not None else []
        with transaction.atomic():
            run, results = _store(user, rs, year, as_of, rows)
        yield rs, run, results


def _store(user, rs: RuleSet, year: int, as_of: dt.date, rows) -> tuple[EvaluationRun, list[EvaluationResult]]:
    counts = {o: 0 for o in Outcome.values}
    for _code, result, *_ in rows:
        counts[result] += 1
    run = EvaluationRun.objects.create(
        ruleset=rs.name,
        ruleset_version=rs.version,
        ruleset_hash=ruleset_hash(rs),
        year=year,
        as_of=as_of,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        total=len(rows),
        passed=counts["pass"],
        failed=counts["fail"],
        undetermined=counts["undetermined"],
    )
    results = [
        EvaluationResult(
            run=run,
            organization_id=int(code),
            result=result,
            score=format_score(score),
            failed=";".join(failed)[:500],
            detail=detail,
        )
        for code, result, score, failed, detail in rows
    ]
    insert_rows(EvaluationResult, results)
    return run, results
