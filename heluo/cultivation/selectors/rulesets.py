"""Rule sets by name: the shipped ones and those the bureau configured in the editor."""

from heluo.cultivation.engine.pools import Pool
from heluo.cultivation.engine.rules import load_ruleset, ruleset_names
from heluo.cultivation.models import CustomRuleSet


def load_ruleset_any(name: str):
    """A shipped rule set or a custom one configured in the UI."""
    if name in ruleset_names():
        return load_ruleset(name)
    return CustomRuleSet.objects.get(name=name).parsed()


def pool_ruleset(pool: Pool) -> str | None:
    """The shipped rule set, or for a locally defined pool (瞪羚) the active custom set assigned to it."""
    if pool.ruleset:
        return pool.ruleset
    custom = CustomRuleSet.objects.filter(pool=pool.code, active=True).order_by("-pk").first()
    return custom.name if custom else None


def criteria_by_run(runs) -> dict[int, dict]:
    """{run id: {criterion code: Criterion}} for stored runs; empty for a custom set deleted since its run."""
    from django.core.exceptions import ObjectDoesNotExist

    from heluo.cultivation.engine.rules import RuleSetError

    out = {}
    for run in runs:
        if run.pk in out:
            continue
        try:
            out[run.pk] = {c.code: c for c in load_ruleset_any(run.ruleset).criteria}
        except (RuleSetError, ObjectDoesNotExist):
            out[run.pk] = {}
    return out
