"""Writes of calls (指南): the bureau drafts, publishes and closes them. A call takes its programme type's defaults
(form, workflow, reviewers per proposal) and keeps a copy of its form as it was when the call was made."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import Scope, save_in_scope, scope_for

from ..engine import forms
from ..engine import programmes as engine
from ..models import Call, CallStatus

BUDGET_MAX = Decimal("100000000000.00")  # 1,000 亿元: a typing error, not a call


def bureau_only(user) -> Scope:
    scope = scope_for(user)
    if not scope.is_bureau:
        raise PermissionDenied(Bilingual("只有科技局可以管理项目指南", "Only the bureau manages calls for proposals.").both)
    return scope


def call_save(user, call: Call) -> Call:
    bureau_only(user)
    programme = engine.programme(call.programme)
    if programme is None:
        raise Refusal(
            "unknown_programme", f"未知的项目类型“{call.programme}”", f"Unknown programme type '{call.programme}'.", 422, "programme"
        )
    if call._state.adding:
        call.form_code = call.form_code or programme.form
        call.workflow_code = programme.workflow
        call.reviewers_per_proposal = call.reviewers_per_proposal or programme.reviewers_per_proposal
        try:
            spec = engine.form(call.form_code)
        except (OSError, forms.FormError):
            raise Refusal(
                "unknown_form", f"未知的申报表单“{call.form_code}”", f"Unknown application form '{call.form_code}'.", 422, "form_code"
            ) from None
        call.form_spec = json.loads((engine.DATA / "forms" / f"{spec.code}.json").read_text(encoding="utf-8"))
        if getattr(user, "pk", None) and not isinstance(user, Scope):
            call.created_by = user
    else:
        stored = Call.objects.get(pk=call.pk)
        if stored.status != CallStatus.DRAFT and (stored.programme, stored.form_code, stored.opens_at) != (
            call.programme,
            call.form_code,
            call.opens_at,
        ):
            raise Refusal(
                "call_published",
                "已发布的指南不能再修改项目类型、表单或开始时间",
                "A published call keeps its programme type, form and opening time.",
                409,
            )
    for name in ("budget", "max_per_project"):
        value = getattr(call, name)
        if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0 or value > BUDGET_MAX):
            raise Refusal(
                "budget_out_of_range", "金额须大于0且不超过1000亿元", "The amount must lie above 0 and at most 100 billion yuan.", 422, name
            )
    if call.opens_at and call.closes_at and call.closes_at <= call.opens_at:
        raise Refusal("call_window", "截止时间须晚于开始时间", "The call must close after it opens.", 422, "closes_at")
    if call.max_per_project and call.budget and call.max_per_project > call.budget:
        raise Refusal(
            "max_above_budget",
            "单项上限不能超过指南总预算",
            "The most per project cannot exceed the call's budget.",
            422,
            "max_per_project",
        )
    call.full_clean(validate_constraints=False)
    return save_in_scope(user, call)


def call_status(user, call: Call, status: str) -> Call:
    """Publish a draft, close a published call (its applications go on through their workflow)."""
    bureau_only(user)
    allowed = {CallStatus.DRAFT: CallStatus.PUBLISHED, CallStatus.PUBLISHED: CallStatus.CLOSED}
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if allowed.get(locked.status) != status:
            raise Refusal("call_status", "指南当前状态不能如此变更", "The call cannot move to that status from where it is.", 409)
        audit.known_before(locked)
        locked.status = status
        locked.save(update_fields=["status", "updated"])
    return locked
