"""Reads of organizations and their data. Every function starts from the user's scope."""

from django.utils import timezone

from heluo.core.audit import log_sensitive_read
from heluo.core.permissions import CHANGE, VIEW, scope_for

from .filtersets import AnnualFilterSet, OrganizationFilterSet, QualificationFilterSet
from .models import EnterpriseAnnual, Organization, Qualification


def organization_list(user, filters=None):
    qs = Organization.objects.restrict(user, VIEW).select_related("area", "industry", "hitech_field")
    return OrganizationFilterSet(filters or {}, queryset=qs).qs


def organization_get(user, pk) -> Organization:
    return Organization.objects.restrict(user, VIEW).select_related("area", "industry", "hitech_field").get(pk=pk)


def qualification_list(user, filters=None):
    qs = Qualification.objects.restrict(user, VIEW).select_related("organization")
    return QualificationFilterSet(filters or {}, queryset=qs).qs


def annual_list(user, filters=None, *, log_reason="list"):
    """Enterprise financials. A read by anyone but the enterprise itself is logged."""
    qs = EnterpriseAnnual.objects.restrict(user, VIEW).select_related("organization", "organization__area")
    qs = AnnualFilterSet(filters or {}, queryset=qs).qs
    if not _is_owner_read(user, filters):
        log_sensitive_read("enterprise_financials", detail=f"{log_reason}: {dict(filters or {})}"[:500], user=user)
    return qs


def annual_get(user, pk) -> EnterpriseAnnual:
    row = EnterpriseAnnual.objects.restrict(user, VIEW).select_related("organization").get(pk=pk)
    if scope_for(user).organization_id != row.organization_id:
        log_sensitive_read("enterprise_financials", row, user=user)
    return row


def _is_owner_read(user, filters) -> bool:
    scope = scope_for(user)
    return scope.organization_id is not None and not scope.is_bureau and scope.role == "org_user"


# --- figures for the home page ------------------------------------------------------------------------------


def today():
    return timezone.localdate()


def organization_count(user) -> int:
    return Organization.objects.restrict(user, VIEW).count()


def annual_count(user) -> int:
    return EnterpriseAnnual.objects.restrict(user, VIEW).count()


def valid_hte_count(user) -> int:
    """Organizations holding a high-tech enterprise certificate valid today."""
    return (
        Qualification.objects.restrict(user, VIEW)
        .filter(Qualification.valid_on_q(today()), kind="hte")
        .values("organization_id")
        .distinct()
        .count()
    )


def annual_to_verify_count(user) -> int | None:
    """Submitted annual figures the bureau or a district may verify; None for everyone else (no such task)."""
    scope = scope_for(user)
    if not scope.is_staff:
        return None
    return EnterpriseAnnual.objects.restrict(user, CHANGE).filter(status="submitted").count()
