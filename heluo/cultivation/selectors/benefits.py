"""免申即享 policies, lists and grants as the user may see them (lists are the bureau's; an enterprise sees
its own published grants)."""

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
