"""一企一专班: service officers assigned to enterprises and the log of what was done for them.

Writes are scope-checked with ``save_in_scope``: the bureau anywhere, district staff for enterprises of
their areas. Reassigning an officer closes the current assignment (history is kept, never overwritten).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from heluo.core.permissions import CHANGE, save_in_scope
from heluo.cultivation.models import ServiceAssignment, ServiceRecord, ServiceRecordKind, ServiceRecordStatus
from heluo.cultivation.selectors.enterprises import scoped_enterprises
from heluo.cultivation.selectors.servicework import eligible_officers
from heluo.orgs.models import Organization


def check_in_scope(user, organization: Organization):
    """Refuses a write about an enterprise outside the user's scope."""
    if not scoped_enterprises(user).filter(pk=organization.pk).exists():
        raise PermissionDenied("不在您的管辖范围内 / outside your scope")


@transaction.atomic
def assign_officer(user, organization: Organization, *, officer, since: dt.date | None = None, note: str = "") -> ServiceAssignment:
    check_in_scope(user, organization)
    if not eligible_officers(user, organization).filter(pk=officer.pk).exists():
        raise ValidationError("该用户不能担任此企业的服务专员 / this user cannot be the enterprise's officer")
    since = since or timezone.localdate()
    current = ServiceAssignment.objects.select_for_update().filter(organization=organization, until__isnull=True).first()
    if current is not None:
        if current.officer_id == officer.pk:
            return current
        current.until = since
        save_in_scope(user, current)
    return save_in_scope(user, ServiceAssignment(organization=organization, officer=officer, since=since, note=note, assigned_by=user))


def record_service(
    user,
    organization: Organization,
    *,
    date: dt.date,
    kind: str,
    problems: str = "",
    help_given: str = "",
    outcome: str = "",
    status: str = "open",
) -> ServiceRecord:
    check_in_scope(user, organization)
    if not (problems.strip() or help_given.strip() or outcome.strip()):
        raise ValidationError("问题、帮助和结果至少填写一项 / fill in at least one of problems, help and outcome")
    if kind not in ServiceRecordKind.values or status not in ServiceRecordStatus.values:
        raise ValidationError("方式或状态不在可选范围内 / unknown kind or status")
    if date > timezone.localdate():
        raise ValidationError("日期不能晚于今天 / the date cannot be in the future")
    return save_in_scope(
        user,
        ServiceRecord(
            organization=organization,
            date=date,
            kind=kind,
            problems=problems.strip(),
            help_given=help_given.strip(),
            outcome=outcome.strip(),
            status=status,
            recorded_by=user,
        ),
    )


def update_record(user, record: ServiceRecord, **fields) -> ServiceRecord:
    if not ServiceRecord.objects.restrict(user, CHANGE).filter(pk=record.pk).exists():
        raise PermissionDenied
    for k in ("problems", "help_given", "outcome", "status"):
        if k in fields:
            setattr(record, k, fields[k])
    return save_in_scope(user, record)
