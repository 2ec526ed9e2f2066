"""Writes of research-integrity records (科研诚信): the bureau's alone, each checked by engine.integrity.check_record
(a known scope, a period that ends after it starts, a source) before it is kept; a record in force debars its subject
from then on wherever the platform asks (selectors.applications.debarment)."""

from __future__ import annotations

from heluo.core.i18n import Refusal
from heluo.core.permissions import delete_in_scope, save_in_scope

from ..engine import integrity
from ..engine.rules import RuleError
from ..models import IntegrityRecord
from .calls import bureau_only

FIELDS = {"subject_kind": "person", "scope": "scope", "end": "ends_on", "source": "source"}


def _engine_record(r: IntegrityRecord) -> integrity.IntegrityRecord:
    kind = integrity.PERSON if r.person_id else integrity.ORGANIZATION
    subject = r.person_id or r.organization_id
    return integrity.IntegrityRecord(
        str(r.pk or "new"), kind, str(subject), r.finding, r.sanction, r.starts_on, r.ends_on, r.scope, r.source or ""
    )


def integrity_save(user, r: IntegrityRecord) -> IntegrityRecord:
    bureau_only(user)
    if (r.person_id is None) == (r.organization_id is None):
        raise Refusal("integrity_subject", "须指明一个人员或一个单位", "Name one person or one organization.", 422, "person")
    if r.starts_on is None:
        raise Refusal("integrity_period", "须填写开始日期", "The record needs its start date.", 422, "starts_on")
    try:
        integrity.check_record(_engine_record(r))
    except RuleError as e:
        raise Refusal("integrity_record", e.zh, e.en, 422, FIELDS.get(e.field or "", None)) from None
    r.full_clean(validate_constraints=False)
    if r._state.adding and getattr(user, "pk", None):
        r.created_by = user
    return save_in_scope(user, r)


def integrity_delete(user, r: IntegrityRecord):
    bureau_only(user)
    delete_in_scope(user, r)
