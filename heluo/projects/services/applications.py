"""Writes of applications: the applicant's content (answers, budget, team, partners) through `application_save`, the
integrity commitment through `sign_commitment`, every step of the workflow (data/workflows/application.json) through
`application_transition` — submission checks the form complete and the applicant eligible, each reason told."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit, uploads
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import VIEW, Scope, action_rule, delete_in_scope, save_in_scope, scope_for

from ..engine import forms
from ..engine import programmes as engine
from ..models import (
    Application,
    ApplicationAnswer,
    ApplicationAttachment,
    ApplicationEvent,
    ApplicationStatus,
    BudgetLine,
    Call,
    Participant,
)
from ..selectors import applications as selectors
from .projects import create_project_for

MAX_MEMBERS = 50
MAX_PARTNERS = 20


def forbidden(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Bilingual(zh, en).both)


def parties(user, a: Application) -> frozenset[str]:
    scope = scope_for(user)
    roles = set()
    if scope.is_bureau:
        roles.add(engine.OFFICER)
    if scope.role == Role.DISTRICT_STAFF and a.applicant.area_id in scope.area_ids:
        roles.add(engine.DISTRICT)
    if scope.role == Role.ORG_USER and scope.organization_id == a.applicant_id:
        roles.add(engine.APPLICANT)
    return frozenset(roles)


@action_rule(Application)
def application_actions(user, a, base):
    return [t.name for t in engine.workflow(a.call.workflow_code).available(a.status, parties(user, a))]


class Incomplete(Refusal):
    """Submission refused: every problem of the form, the budget, the attachments and eligibility, in both languages."""

    def __init__(self, problems: list[forms.Problem]):
        self.problems = problems
        super().__init__(
            "application_incomplete",
            "申报材料不完整或不符合条件：" + "；".join(p.zh for p in problems),
            "The application is incomplete or not eligible: " + "; ".join(p.en for p in problems),
            422,
        )

    def details(self) -> list[dict]:
        """One entry per problem, keyed by its field (the API's refusal body)."""
        return [{"field": p.key, "message": f"{p.zh} / {p.en}", "code": self.reason_code, "zh": p.zh, "en": p.en} for p in self.problems]


def _check_new(user, a: Application):
    scope = scope_for(user)
    if scope.role != Role.ORG_USER or not scope.organization_id:
        raise forbidden("项目由申报单位填报", "An application is made by the applicant organization.")
    a.applicant_id = scope.organization_id
    call = Call.objects.restrict(user, VIEW).filter(pk=a.call_id).first()
    if call is None or not call.is_open():
        raise Refusal("call_not_open", "该指南当前不在申报期内", "The call is not open for applications now.", 409, "call")


def _check_content(a: Application):
    if a.pi_id is None or a.pi.employer_id != a.applicant_id:
        raise Refusal("pi_employer", "项目负责人须为申报单位的在职人员", "The PI must work for the applicant organization.", 422, "pi")
    if not isinstance(a.requested, Decimal) or not a.requested.is_finite() or a.requested <= 0:
        raise Refusal("requested_out_of_range", "申请金额须大于0", "The amount requested must be above 0.", 422, "requested")
    a.requested = forms.money(a.requested)
    cap = a.call.max_per_project
    if cap is not None and a.requested > cap:
        raise Refusal(
            "requested_above_cap",
            f"申请金额不能超过本指南单项上限 {cap:,.2f} 元",
            f"The amount requested exceeds the call's most per project ({cap:,.2f} yuan).",
            422,
            "requested",
        )


def application_save(
    user, a: Application, answers: dict | None = None, budget: dict | None = None, members=None, partners=None
) -> Application:
    """Create or change an application (a draft, or one returned for correction). Answers and budget are checked for
    what they are (types, bounds), not yet for completeness: that is submission's."""
    adding = a._state.adding
    if adding:
        _check_new(user, a)
    _check_content(a)
    spec = selectors.form_of(a.call)
    values, problems = spec.clean(answers or {}, complete=False) if answers is not None else ({}, [])
    lines, budget_problems = spec.clean_budget(budget or {}, a.requested, complete=False) if budget is not None else ({}, [])
    if problems or budget_problems:
        raise Incomplete(problems + budget_problems)
    if members is not None and len(members) > MAX_MEMBERS or partners is not None and len(partners) > MAX_PARTNERS:
        raise Refusal("too_many", "团队成员或合作单位过多", "Too many team members or partners.", 422)
    a.full_clean(validate_constraints=False, validate_unique=False)
    if Application.objects.filter(call_id=a.call_id, applicant_id=a.applicant_id, title=a.title).exclude(pk=a.pk).exists():
        raise Refusal(
            "duplicate_title", "本单位已有同名申报", "The applicant has an application of this title in the call already.", 409, "title"
        )
    with transaction.atomic():
        save_in_scope(user, a)
        if answers is not None:
            _store_answers(a, spec, values)
        if budget is not None:
            a.budget_lines.all().delete()
            BudgetLine.objects.bulk_create([BudgetLine(application=a, category=c, amount=v) for c, v in lines.items()])
        if members is not None:
            _store_participants(a, Participant.Kind.MEMBER, "person_id", {getattr(p, "pk", p) for p in members} | {a.pi_id})
        elif adding:
            _store_participants(a, Participant.Kind.MEMBER, "person_id", {a.pi_id})
        if partners is not None:
            _store_participants(a, Participant.Kind.PARTNER, "organization_id", {getattr(o, "pk", o) for o in partners} - {a.applicant_id})
        if adding:
            _event(user, a, "create", "", a.status)
    return a


def _store_answers(a: Application, spec: forms.FormSpec, values: dict):
    fields = spec.fields
    a.answers.all().delete()
    ApplicationAnswer.objects.bulk_create(
        [
            ApplicationAnswer(application=a, key=key, **forms.storage(fields[key], value))
            for key, value in values.items()
            if value not in (None, [], "")
        ]
    )


def _store_participants(a: Application, kind: str, column: str, ids: set):
    a.participants.filter(kind=kind).delete()
    Participant.objects.bulk_create([Participant(application=a, kind=kind, **{column: pk}) for pk in sorted(ids) if pk])


def application_delete(user, a: Application):
    delete_in_scope(user, a)


def sign_commitment(user, a: Application) -> Application:
    """科研诚信承诺: the applicant signs it (again after a correction); it is part of what submission checks."""
    if engine.APPLICANT not in parties(user, a):
        raise forbidden("科研诚信承诺由申报单位签署", "The applicant signs the integrity commitment.")
    if a.status not in engine.visibility(a.call.workflow_code).get("editable_by_applicant", ()):
        raise Refusal("not_editable", "当前状态不能修改申报材料", "The application cannot be changed in its present state.", 409)
    audit.known_before(a)
    a.commitment_signed_at = timezone.now()
    a.save(update_fields=["commitment_signed_at", "updated"])
    return a


def completeness(a: Application) -> list[forms.Problem]:
    """Everything submission would refuse, with its reason: answers, budget, attachments, eligibility."""
    spec = selectors.form_of(a.call)
    _, problems = spec.clean(selectors.answers_of(a), complete=True)
    _, budget_problems = spec.clean_budget(selectors.budget_of(a), a.requested, complete=True)
    present = set(a.attachments.values_list("kind", flat=True))
    failed = [forms.Problem(c.code, c.zh, c.en) for c in selectors.eligibility(a) if not c.ok]
    return problems + budget_problems + spec.missing_attachments(present) + failed


def _event(user, a, transition, from_status, to_status, reason="", checks=()):
    ApplicationEvent.objects.create(
        application=a,
        transition=transition,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        checks=list(checks),
        **ApplicationEvent.by(user),
    )


def application_transition(user, a: Application | int, action: str, reason: str = "") -> Application:
    """One step of the workflow: 403 to a role the step does not name, 409 from a state it does not start from, 422
    without the reason it asks for — or, at submission, with every problem of the application."""
    pk = a.pk if isinstance(a, Application) else a
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        app = Application.objects.restrict(user, VIEW).select_for_update(of=("self",)).select_related("call", "applicant", "pi").get(pk=pk)
        wf = engine.workflow(app.call.workflow_code)
        step = wf.transitions.get(action)
        if step is None:
            raise Refusal("unknown_action", f"未知的操作“{action}”", f"Unknown action '{action}'.", 422, "action")
        denial = wf.check(app.status, action, parties(user, app), reason)
        if denial is not None and denial.code == "not_allowed":
            raise forbidden(denial.zh, denial.en)
        if denial is not None:
            status = 422 if denial.code == "reason_required" else 409
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if status == 422 else None)
        checks = []
        if step.extra.get("checks_eligibility"):
            if not app.call.is_open():
                raise Refusal("call_not_open", "该指南已截止，不能提交", "The call has closed: it takes no more submissions.", 409)
            problems = completeness(app)
            if problems:
                raise Incomplete(problems)
            checks = [{"code": c.code, "ok": c.ok, "zh": c.zh, "en": c.en} for c in selectors.eligibility(app)]
        audit.known_before(app)
        before, now = app.status, timezone.now()
        app.status = step.target
        fields = ["status", "updated"]
        if step.target == ApplicationStatus.SUBMITTED:
            app.submitted_at = now
            fields.append("submitted_at")
            if not app.number:
                app.number = next_number(app.call)
                fields.append("number")
        if step.extra.get("decision"):
            app.decided_at = now
            fields.append("decided_at")
        app.save(update_fields=fields)
        _event(user, app, action, before, step.target, reason, checks)
        if step.target == ApplicationStatus.FUNDED:
            create_project_for(user, app)
    return app


def next_number(call: Call) -> str:
    """The call's next application number: its code and a sequence (the call's row locked while it is taken)."""
    Call.objects.select_for_update().filter(pk=call.pk).first()
    taken = Application.objects.filter(call=call, number__isnull=False).count()
    while True:
        taken += 1
        number = f"{call.code}-{taken:04d}"
        if not Application.objects.filter(number=number).exists():
            return number


# --- attachments: the kinds the call's form asks for, checked by content, kept under their hash ------------------

STORAGE_PREFIX = "projects/applications"
MAX_ATTACHMENTS = 30


def editable(user, a: Application) -> bool:
    """May the user change the application's content now (its applicant, while the workflow leaves it editable)?"""
    return engine.APPLICANT in parties(user, a) and a.status in engine.visibility(a.call.workflow_code).get("editable_by_applicant", ())


def require_editable(user, a: Application, what_zh: str, what_en: str):
    if engine.APPLICANT not in parties(user, a):
        raise forbidden(f"{what_zh}由申报单位办理", f"The applicant {what_en}.")
    if a.status not in engine.visibility(a.call.workflow_code).get("editable_by_applicant", ()):
        raise Refusal("not_editable", "当前状态不能修改申报材料", "The application cannot be changed in its present state.", 409)


def attach(user, a: Application, kind: str, upload) -> ApplicationAttachment:
    """One file of a kind the call's form names (its types and size), its first bytes matching its extension."""
    require_editable(user, a, "上传附件", "uploads the attachments")
    spec_kind = selectors.form_of(a.call).attachment_kind(kind or "")
    if spec_kind is None:
        raise Refusal("attachment_unknown", f"申报表单没有“{kind}”类附件", f"The form asks for no attachment '{kind}'.", 422, "kind")
    checked = uploads.check(upload, spec_kind.types, spec_kind.max_bytes)
    if a.attachments.count() >= MAX_ATTACHMENTS:
        raise Refusal(
            "too_many_attachments", f"每项申报最多 {MAX_ATTACHMENTS} 个附件", f"At most {MAX_ATTACHMENTS} attachments.", 409, "file"
        )
    if a.attachments.filter(kind=kind, sha256=checked.sha256).exists():
        raise Refusal("attachment_duplicate", "该附件已上传", "This file is attached already.", 409, "file")
    uploads.store(upload, STORAGE_PREFIX, checked.sha256)
    who = user if getattr(user, "pk", None) and not isinstance(user, Scope) else None
    return ApplicationAttachment.objects.create(
        application=a, kind=kind, name=checked.name, sha256=checked.sha256, size=checked.size, uploaded_by=who
    )


def attachment_remove(user, att: ApplicationAttachment):
    require_editable(user, att.application, "删除附件", "removes the attachments")
    att.delete()  # the file stays: another attachment may share its hash


def attachment_open(att: ApplicationAttachment):
    return uploads.open_stored(STORAGE_PREFIX, att.sha256)
