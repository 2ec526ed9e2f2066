"""Who sees and changes the incubation records: the bureau everything; district staff their areas (the carrier's or
the firm's); a carrier's host organization its carrier's firms; a firm its own incubation; a mentor (a person-linked
expert account) the firms it is paired with."""

from __future__ import annotations

from django.db.models import Q

from heluo.core.models import Role
from heluo.core.permissions import CHANGE, NOTHING, VIEW
from heluo.platforms.models import PlatformHost


def hosted_platforms(organization_id):
    return PlatformHost.objects.filter(organization_id=organization_id).values("platform_id")


def incubation_q(scope, action, prefix: str = "") -> Q | None:
    """The incubations (at `prefix`, e.g. "incubation__") the scope may see (VIEW) or manage (CHANGE)."""
    if scope.is_bureau:
        return None
    p = prefix
    if scope.role == Role.DISTRICT_STAFF:
        mine = Q(**{f"{p}carrier__platform__area_id__in": scope.area_ids}) | Q(**{f"{p}firm__area_id__in": scope.area_ids})
        return mine if action in (VIEW, CHANGE) else NOTHING
    if scope.role == Role.ORG_USER and scope.organization_id:
        hosted = Q(**{f"{p}carrier__platform_id__in": hosted_platforms(scope.organization_id)})
        if action == VIEW:
            return hosted | Q(**{f"{p}firm_id": scope.organization_id})
        return hosted if action == CHANGE else NOTHING
    if scope.role == Role.EXPERT and scope.person_id and action == VIEW:
        from django.apps import apps  # the pairings' model is defined after the incubations'

        paired = apps.get_model("incubation", "Pairing").objects.filter(mentor__person_id=scope.person_id)
        return Q(**{f"{p}pk__in": paired.values("incubation_id")})
    return NOTHING


def pairing_q(scope, action, prefix: str = "") -> Q | None:
    """Pairings (at `prefix`) and their sessions: as their incubation, but a mentor sees only its own, and logs on
    them (CHANGE: the session's own side is the service's check)."""
    if scope.role == Role.EXPERT:
        return Q(**{f"{prefix}mentor__person_id": scope.person_id}) if scope.person_id and action in (VIEW, CHANGE) else NOTHING
    if scope.role == Role.ORG_USER and scope.organization_id and action == CHANGE:
        # the firm logs its side of its own sessions; the host manages its carrier's
        return incubation_q(scope, action, f"{prefix}incubation__") | Q(**{f"{prefix}incubation__firm_id": scope.organization_id})
    return incubation_q(scope, action, f"{prefix}incubation__")
