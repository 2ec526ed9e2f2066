"""Evaluation runs and their results, and the difference between two runs.

"Close to qualifying" (``diff_runs``): an enterprise not passing (fail, or undetermined for want of data)
that has at least one definitely failed criterion, and whose every failed criterion compares a number
with a number and misses it by at most ``close_share`` of the threshold (|threshold − value| ≤ share ×
|threshold|; default 10%, setting ``HELUO_CULTIVATION_CLOSE_SHARE``). A failed criterion that is a
condition (a yes/no fact) or has no exact value never counts as close.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from heluo.cultivation.models import EvaluationResult, EvaluationRun, Outcome

DEFAULT_CLOSE_SHARE = 0.10


def close_share() -> float:
    return float(getattr(settings, "HELUO_CULTIVATION_CLOSE_SHARE", DEFAULT_CLOSE_SHARE))


def runs(user):
    """The runs the user may see (the bureau's), newest first."""
    return EvaluationRun.objects.restrict(user).select_related("created_by")


def run_results(user, run: EvaluationRun, outcome: str | None = None, organization: int | None = None):
    """One run's results for the enterprises the user may see, by enterprise name."""
    qs = EvaluationResult.objects.restrict(user).filter(run=run).select_related("organization")
    if outcome:
        qs = qs.filter(result=outcome)
    if organization:
        qs = qs.filter(organization_id=organization)
    return qs.order_by("organization__name", "organization_id")


def latest_results(org):
    """The organization's result in the latest run of each rule set (the newest year first)."""
    latest = {}
    for run in EvaluationRun.objects.order_by("-year", "-pk").only("pk", "ruleset", "year"):
        latest.setdefault(run.ruleset, run.pk)
    return list(
        EvaluationResult.objects.filter(run_id__in=latest.values(), organization=org).select_related("run").order_by("run__ruleset")
    )


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


def passing_run(organization, ruleset: str, up_to_year: int) -> int | None:
    """The id of the latest run of ``ruleset`` for a year up to ``up_to_year`` if the organization passed it
    there (for other domains' eligibility rules, e.g. vouchers), else None."""
    from django.db.models import Subquery

    latest = EvaluationRun.objects.filter(ruleset=ruleset, year__lte=up_to_year).order_by("-pk").values("pk")[:1]
    return (
        EvaluationResult.objects.filter(run_id=Subquery(latest), organization=organization, result=Outcome.PASS)
        .order_by("pk")  # not the model's ordering, which joins two tables to sort one row
        .values_list("run_id", flat=True)
        .first()
    )
