"""Writes to organizations and their data. Web forms, the API and imports all come through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from heluo.core.codes import normalize_code
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, action_rule, delete_in_scope, require_action, save_in_scope, scope_for

from .engine.annual import annual_inconsistencies, may_set_status
from .models import DataStatus, EnterpriseAnnual, Organization, OrganizationKind, Qualification


def organization_save(user, org: Organization, *, clusters=None) -> Organization:
    if org.uscc:
        org.uscc = normalize_code(org.uscc)
    else:
        org.uscc = None
    org.full_clean()
    return save_in_scope(user, org, m2m={"clusters": clusters} if clusters is not None else None)


def organization_delete(user, org: Organization):
    delete_in_scope(user, org)


def qualification_save(user, qual: Qualification) -> Qualification:
    qual.full_clean()
    if qual.valid_to and qual.valid_to < qual.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    return save_in_scope(user, qual)


def qualification_delete(user, qual: Qualification):
    delete_in_scope(user, qual)


def annual_save(user, row: EnterpriseAnnual) -> EnterpriseAnnual:
    """Enterprises submit; only the bureau (or district staff for their areas) verifies."""
    if not may_set_status(scope_for(user).role, row.status):
        raise PermissionDenied(_("Only bureau or district staff may mark data as verified."))
    row.full_clean()
    problems = annual_inconsistencies({f.name: getattr(row, f.attname) for f in row._meta.concrete_fields})
    if problems:
        raise ValidationError({f: f"{zh} / {en}" for f, zh, en in problems})
    return save_in_scope(user, row)


def annual_delete(user, row: EnterpriseAnnual):
    delete_in_scope(user, row)


# --- what a user may do to one record (pages show buttons from heluo.core.permissions.allowed_actions) -------

# the annual-data actions and the status each one sets
ANNUAL_STATUS_ACTIONS = {"submit": DataStatus.SUBMITTED, "verify": DataStatus.VERIFIED, "return_to_draft": DataStatus.DRAFT}


@action_rule(Organization)
def organization_actions(user, org, base):
    scope = scope_for(user)
    if CHANGE in base and scope.role != Role.ORG_USER:  # an enterprise does not record its own recognitions
        yield "add_qualification"
    if org.kind == OrganizationKind.ENTERPRISE and (
        scope.is_bureau
        or (scope.role == Role.DISTRICT_STAFF and org.area_id in scope.area_ids)
        or (scope.role == Role.ORG_USER and scope.organization_id == org.pk)
    ):
        yield "add_annual"


@action_rule(Qualification)
def qualification_actions(user, qual, base):
    if CHANGE in base and not scope_for(user).is_public:
        yield "change_status"


@action_rule(EnterpriseAnnual)
def annual_actions(user, row, base):
    """Enterprises submit their drafts and take back what is submitted; staff verify, and return anything to draft."""
    if CHANGE not in base:
        return
    staff = scope_for(user).is_staff
    if row.status == DataStatus.DRAFT:
        yield "submit"
    if staff and row.status != DataStatus.VERIFIED:
        yield "verify"
    if row.status != DataStatus.DRAFT and (staff or row.status == DataStatus.SUBMITTED):
        yield "return_to_draft"


def annual_set_status(user, row: EnterpriseAnnual, *, action: str) -> EnterpriseAnnual:
    if action not in ANNUAL_STATUS_ACTIONS:
        raise PermissionDenied(_("Unknown status."))
    require_action(user, row, action)
    row.status = ANNUAL_STATUS_ACTIONS[action]
    return annual_save(user, row)
