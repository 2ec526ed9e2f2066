"""免申即享 policies, lists and grants as the user may see them (lists are the bureau's; an enterprise sees
its own published grants)."""

from django.db.models import Count, Q, Sum

from heluo.core.permissions import scope_for
from heluo.cultivation.models import BenefitGrant, BenefitList, BenefitListStatus, BenefitPolicy


def policies(user):
    return BenefitPolicy.objects.restrict(user)


def benefit_lists(user):
    return BenefitList.objects.restrict(user).select_related("policy", "run", "created_by")


def grants_for(user, organization):
    """What an enterprise receives: published grants (the bureau and districts also see unpublished ones)."""
    qs = BenefitGrant.objects.restrict(user).filter(organization=organization).select_related("benefit_list__policy")
    return qs.exclude(benefit_list__status=BenefitListStatus.WITHDRAWN).order_by("-benefit_list__year", "benefit_list__policy__code")


def visible_grants(user):
    """Every grant the user may see (an enterprise: its own published ones), with its list and policy."""
    return BenefitGrant.objects.restrict(user).select_related("benefit_list__policy", "organization")


def lists_with_grants(user):
    """The lists the user may see with what of them it may see: the bureau every list; anyone else the lists
    (not withdrawn) holding grants visible to it — for an enterprise only its own published grants. Each list
    carries ``visible_count`` and ``visible_total`` over those grants."""
    visible = visible_grants(user)
    lists = BenefitList.objects.select_related("policy", "run")
    if not scope_for(user).is_bureau:
        lists = lists.filter(pk__in=visible.values("benefit_list")).exclude(status=BenefitListStatus.WITHDRAWN)
    mine = Q(grants__pk__in=visible.values("pk"))
    return lists.annotate(visible_count=Count("grants", filter=mine), visible_total=Sum("grants__amount", filter=mine))
