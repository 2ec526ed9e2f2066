"""Reads shared by the cultivation pages and services."""
from heluo.core.permissions import VIEW, scope_for
from heluo.cultivation.models import enterprise_q
from heluo.orgs.models import Organization, OrganizationKind


def scoped_enterprises(user):
    """Enterprises whose cultivation records the user may see: all (bureau), its areas' (district), its own
    (enterprise user). Unlike the public registry, publication does not widen this."""
    qs = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
    q = enterprise_q(scope_for(user), VIEW)
    return qs if q is None else qs.filter(q)
