"""What the voucher domain reads of cultivation's evaluations."""

from __future__ import annotations

from django.db.models import Subquery

from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome


# TODO(merge): move to heluo.cultivation.selectors
def passed_latest_evaluation(organization_id: int, ruleset: str, year: int) -> int | None:
    """The id of the latest stored evaluation run of `ruleset` for a year up to `year`, if the organization
    passed it; else None (not evaluated, failed, or a later run replaced the one it passed)."""
    latest = EvaluationRun.objects.filter(ruleset=ruleset, year__lte=year).order_by("-pk").values("pk")[:1]
    return (
        EvaluationResult.objects.filter(run_id=Subquery(latest), organization_id=organization_id, result=Outcome.PASS)
        .values_list("run_id", flat=True)
        .first()
    )
