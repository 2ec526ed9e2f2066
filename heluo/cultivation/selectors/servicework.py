"""一企一专班 reads: who may be an enterprise's service officer, who is, and the service log."""

from django.contrib.auth import get_user_model

from heluo.core.models import Role, UserProfile
from heluo.core.permissions import scope_for
from heluo.cultivation.models import ServiceAssignment, ServiceRecord
from heluo.orgs.models import Organization


def eligible_officers(user, organization: Organization):
    """Who may look after the enterprise: district staff whose areas contain it, and (if the user assigning is
    the bureau) bureau staff. An officer must be able to open the enterprise's records."""
    scope = scope_for(user)
    area_chain, area = [], organization.area
    while area is not None:
        area_chain.append(area.pk)
        area = area.parent
    district = UserProfile.objects.filter(role=Role.DISTRICT_STAFF, areas__in=area_chain)
    ids = set(district.filter(user__is_active=True).values_list("user_id", flat=True))
    if scope.is_bureau:
        ids |= set(
            UserProfile.objects.filter(role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF], user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def current_officer(organization: Organization):
    a = ServiceAssignment.objects.filter(organization=organization, until__isnull=True).select_related("officer").first()
    return a.officer if a else None


def current_officers(user, organizations) -> dict:
    """{organization id: its current officer} for a queryset of organizations, within the user's scope."""
    assignments = ServiceAssignment.objects.restrict(user).filter(until__isnull=True, organization__in=organizations)
    return {a.organization_id: a.officer for a in assignments.select_related("officer")}


def service_records(user, organization):
    return ServiceRecord.objects.restrict(user).filter(organization=organization).select_related("recorded_by")


def assignments(user, organization):
    return ServiceAssignment.objects.restrict(user).filter(organization=organization).select_related("officer", "assigned_by")
