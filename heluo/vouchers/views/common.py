"""What the voucher pages share: who may open them, the tabs' context, a refusal in the page's language."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from heluo.core.i18n import Refusal, in_language
from heluo.core.models import Role
from heluo.core.permissions import require_bureau, require_staff, scope_for
from heluo.orgs.models import Organization, OrganizationKind

from .. import selectors
from ..models import Provider, Voucher
from ..selectors import reports


def role_scope(request):
    """Bureau, district staff and organization users; experts and logins without a role get a 403."""
    scope = scope_for(request.user)
    if scope.is_staff or (scope.role == Role.ORG_USER and scope.organization_id):
        return scope
    raise PermissionDenied


def bureau_scope(request):
    return require_bureau(request.user)


def staff_scope(request):
    return require_staff(request.user)


def refusal_text(error) -> str:
    """A service refusal in the page's language; other errors as they are."""
    if isinstance(error, Refusal):
        return str(error.reason)
    if isinstance(error, PermissionDenied) and error.args:
        return in_language(error.args[0])
    return str(error) or _("You may not do this.")


def parse_date(value, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Refusal("date_invalid", "日期格式应为 YYYY-MM-DD", "The date must be YYYY-MM-DD.", 422, field) from None


def optional(value):
    value = (value or "").strip()
    return value or None


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def nav_context(request, tab: str) -> dict:
    """What the voucher tabs need: the viewer's role and, for the bureau, the size of its queues."""
    scope = scope_for(request.user)
    ctx = {
        "tab": tab,
        "is_bureau": scope.is_bureau,
        "is_district": scope.role == Role.DISTRICT_STAFF,
        "is_org": scope.role == Role.ORG_USER,
        "is_enterprise": False,
        "is_provider": False,
        "counts": {},
    }
    if scope.role == Role.ORG_USER and scope.organization_id:
        kind = Organization.objects.filter(pk=scope.organization_id).values_list("kind", flat=True).first()
        ctx["is_enterprise"] = kind == OrganizationKind.ENTERPRISE
        # an organization that is not an enterprise is offered the provider page (to apply), one that is a provider always
        ctx["is_provider"] = kind != OrganizationKind.ENTERPRISE or Provider.objects.filter(organization_id=scope.organization_id).exists()
    if scope.is_bureau:
        ctx["counts"] = reports.queue_counts(request.user)
    return ctx


def voucher_or_404(user, pk) -> Voucher:
    try:
        return selectors.voucher_get(user, pk)
    except Voucher.DoesNotExist:
        raise Http404 from None
