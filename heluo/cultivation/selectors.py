"""Reads shared by the cultivation pages and services."""

from heluo.core.permissions import VIEW, scope_for
from heluo.cultivation.inputs import enterprises
from heluo.cultivation.models import enterprise_q


def scoped_enterprises(user):
    """Enterprises whose cultivation records the user may see: all (bureau), its areas' (district), its own
    (enterprise user). Unlike the public registry, publication does not widen this."""
    q = enterprise_q(scope_for(user), VIEW)
    return enterprises() if q is None else enterprises().filter(q)
