"""Who sees a talent's records: the bureau everything; a district its area's (by the employer); the employer's
organization account its own people's; a person-linked account (profile.person) its own."""

from __future__ import annotations

from django.db.models import Q

from heluo.core.models import Role
from heluo.core.permissions import NOTHING, VIEW, Scope


def talent_q(scope: Scope, action, person: str, employer: str) -> Q | None:
    if scope.is_bureau:
        return None
    if action != VIEW:
        return NOTHING
    q = NOTHING
    if scope.role == Role.DISTRICT_STAFF:
        q = Q(**{f"{employer}__area_id__in": scope.area_ids})
    elif scope.role == Role.ORG_USER and scope.organization_id:
        q = Q(**{f"{employer}_id": scope.organization_id})
    if scope.person_id:
        q |= Q(**{f"{person}_id": scope.person_id})
    return q
