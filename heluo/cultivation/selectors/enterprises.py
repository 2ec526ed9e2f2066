"""The enterprises a user may see in cultivation, and finding one of them."""

from django.db.models import Q

from heluo.core.permissions import VIEW, scope_for
from heluo.cultivation.models import enterprise_q
from heluo.orgs.models import Organization, OrganizationKind


def enterprises():
    return Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)


def scoped_enterprises(user):
    """Enterprises whose cultivation records the user may see: all (bureau), its areas' (district), its own
    (enterprise user). Unlike the public registry, publication does not widen this."""
    q = enterprise_q(scope_for(user), VIEW)
    return enterprises() if q is None else enterprises().filter(q)


def find_enterprise(user, text: str):
    """An enterprise in the user's scope by exact name, unified social credit code or platform number."""
    text = text.strip()
    if not text:
        return None
    q = Q(name=text) | Q(uscc=text.upper())
    if text.isdigit():
        q |= Q(pk=int(text))
    return scoped_enterprises(user).filter(q).first()


def enterprise_names(ids) -> dict[int, str]:
    return dict(enterprises().filter(pk__in=ids).values_list("pk", "name"))
