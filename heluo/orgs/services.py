"""Writes to organizations and their data. Web forms, the API and imports all come through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from heluo.core.codes import normalize_code
from heluo.core.permissions import delete_in_scope, save_in_scope, scope_for

from .models import EnterpriseAnnual, Organization, Qualification
from .rules import annual_inconsistencies, may_set_status


def organization_save(user, org: Organization, clusters=None) -> Organization:
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
