"""Reads of the evaluation rounds, each in the caller's scope (the models' scope_q)."""

from django.db.models import Count, Q

from heluo.core.permissions import CHANGE, VIEW, scope_for

from ..models import Evaluation, EvaluationRound, ExpertAssignment


def round_list(user):
    return (
        EvaluationRound.objects.restrict(user, VIEW)
        .annotate(platforms=Count("evaluations"), reported=Count("evaluations", filter=Q(evaluations__submitted_at__isnull=False)))
        .order_by("-year", "-pk")
    )


def round_get(user, pk) -> EvaluationRound:
    return EvaluationRound.objects.restrict(user, VIEW).get(pk=pk)


def evaluation_list(user, round_id=None, filters=None):
    qs = Evaluation.objects.restrict(user, VIEW).select_related("round", "platform__area", "platform__cluster")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    filters = filters or {}
    for key in ("grade", "consequence"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("kind"):
        qs = qs.filter(platform__kind=filters["kind"])
    return qs


def evaluation_get(user, pk) -> Evaluation:
    return Evaluation.objects.restrict(user, VIEW).select_related("round", "platform__area").get(pk=pk)


def may_report(user, evaluation) -> bool:
    return evaluation.round.status == "open" and Evaluation.objects.restrict(user, CHANGE).filter(pk=evaluation.pk).exists()


def results(round_id=None):
    """The published grades, for everyone: platform, kind, grade and consequence, never the figures."""
    qs = Evaluation.objects.filter(round__published=True, platform__is_published=True).exclude(grade="")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    return qs.select_related("round", "platform__area")


def reward_list(user, round_id):
    """免申即享: the rewarded platforms of a round with their grants, drawn from the grades (nobody applies)."""
    return evaluation_list(user, round_id).filter(consequence="reward").order_by("-total", "platform__name")


def my_assignments(user):
    return ExpertAssignment.objects.restrict(user, VIEW).select_related("evaluation__round", "evaluation__platform")


def assignment_get(user, pk) -> ExpertAssignment:
    return my_assignments(user).get(pk=pk)


def to_report_count(user):
    """A host's platforms whose figures an open round still waits for; None (hidden) for everyone else."""
    scope = scope_for(user)
    if scope.is_public or scope.is_staff:
        return None
    n = Evaluation.objects.restrict(user, CHANGE).filter(round__status="open", submitted_at__isnull=True).count()
    return n or None
