"""Writes of brokering (对接) records, their steps, and brokering events (对接活动): the web, the API and the demo all
come through here. Scope and the field rules are core.permissions' (save_in_scope); the workflow is
engine.brokering's data."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, Scope, action_rule, can, delete_in_scope, save_in_scope, scope_for
from heluo.orgs.models import Organization, OrganizationKind

from ..engine import brokering as engine
from ..models import (
    AchievementStatus,
    Brokering,
    BrokeringEvent,
    BrokeringStatus,
    BrokeringStep,
    ContractState,
    DemandStatus,
    EventParticipant,
    TechnologyContract,
)


def forbidden(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Bilingual(zh, en).both)


def supply_organization_id(b: Brokering) -> int | None:
    """The organization on the supply side: the achievement's owner, or the organization itself."""
    if b.achievement_id:
        return b.achievement.organization_id
    return b.organization_id


def parties(user, b: Brokering) -> frozenset[str]:
    """The workflow's roles the user holds for this record."""
    scope = scope_for(user)
    roles = set()
    if scope.is_bureau:
        roles.add(engine.BUREAU)
    if scope.role == Role.DISTRICT_STAFF and b.demand.enterprise.area_id in scope.area_ids:
        roles.add(engine.DISTRICT)
    org = scope.organization_id if scope.role == Role.ORG_USER else None
    if org:
        if org == b.demand.enterprise_id:
            roles.add(engine.DEMAND)
        if org == supply_organization_id(b):
            roles.add(engine.SUPPLY)
        if org == b.broker_id:
            roles.add(engine.BROKER)
    if scope.role == Role.EXPERT and b.expert_id and b.expert.person_id == scope.person_id:
        roles.add(engine.SUPPLY)
    return frozenset(roles)


@action_rule(Brokering)
def brokering_actions(user, b, base):
    """The transitions the user may take now, and "step" while steps may be added (the pages' buttons)."""
    held = parties(user, b)
    names = [t.name for t in engine.workflow().available(b.status, held)]
    if held and b.status != BrokeringStatus.CLOSED:
        names.append("step")
    return names


# --- records ---------------------------------------------------------------------------------------------


def _check_sides(user, b: Brokering):
    """The demand is published (or the staff's own to broker), the counterpart is one that can answer it, and the
    user is a party to the record being made."""
    scope = scope_for(user)
    demand = b.demand
    if not can(user, VIEW, demand):
        raise forbidden("无权查看该技术需求", "You may not see this demand.")
    if demand.status != DemandStatus.PUBLISHED and not scope.is_staff:
        raise Refusal("demand_not_published", "只能对接已发布的技术需求", "Only a published demand can be brokered.", 409, "demand")
    if sum(x is not None for x in (b.achievement_id, b.expert_id, b.organization_id)) != 1:
        raise Refusal(
            "one_counterpart",
            "须选择一个对接对象：科技成果、专家或单位之一",
            "Choose one counterpart: an achievement, an expert or an organization.",
            422,
            "achievement",
        )
    if b.achievement_id and b.achievement.status != AchievementStatus.PUBLISHED:
        raise Refusal(
            "achievement_not_published", "只能对接已发布的科技成果", "Only a published achievement can be brokered.", 409, "achievement"
        )
    if b.expert_id and not b.expert.active:
        raise Refusal("expert_inactive", "该专家已不在专家库中", "This expert is no longer in the pool.", 409, "expert")
    if supply_organization_id(b) == demand.enterprise_id:
        raise Refusal(
            "same_party", "需求企业不能与本单位对接", "A demand's enterprise cannot be brokered with itself.", 422, "organization"
        )
    if b.broker_id and b.broker.kind != OrganizationKind.SERVICE_AGENCY:
        raise Refusal("broker_kind", "对接服务机构须为服务机构类单位", "The brokering agency must be a service agency.", 422, "broker")
    if b.event_id and not can(user, VIEW, b.event):
        raise forbidden("无权查看该对接活动", "You may not see this event.")
    if not parties(user, b):
        raise forbidden(
            "只能发起本单位作为需求方、供给方或服务机构的对接，或本辖区企业的对接",
            "You may start a brokering only as its demand side, supply side or agency, or for an enterprise in your area.",
        )


def _check_text(b: Brokering):
    most = engine.limit("note_chars")
    if len(b.note or "") > most:
        raise Refusal("note_too_long", f"说明不能超过{most}字", f"The note is longer than {most} characters.", 422, "note")
    if b.started_on and b.started_on > timezone.localdate():
        raise Refusal("date_in_future", "开始日期不能晚于今天", "The start date lies in the future.", 422, "started_on")


def brokering_save(user, b: Brokering) -> Brokering:
    """Create or change a record. A new one starts in the workflow's initial state, its creation its first step."""
    adding = b._state.adding
    if adding:
        _check_sides(user, b)
        b.status = engine.workflow().initial
        if getattr(user, "pk", None) and not isinstance(user, Scope):
            b.created_by = user
    elif b.broker_id and b.broker.kind != OrganizationKind.SERVICE_AGENCY:
        raise Refusal("broker_kind", "对接服务机构须为服务机构类单位", "The brokering agency must be a service agency.", 422, "broker")
    _check_text(b)
    if adding and _exists(b):
        raise Refusal(
            "brokering_exists",
            "该需求与该对象已有对接记录，请在原记录中添加步骤",
            "This demand and counterpart already have a brokering record: add a step to it.",
            409,
        )
    b.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        save_in_scope(user, b)
        if adding:
            _step(user, b, "create", note="", to_status=b.status, on=b.started_on)
    return b


def _exists(b: Brokering) -> bool:
    side = (
        {"achievement_id": b.achievement_id}
        if b.achievement_id
        else {"expert_id": b.expert_id}
        if b.expert_id
        else {"organization_id": b.organization_id}
    )
    return Brokering.objects.filter(demand_id=b.demand_id, **side).exists()


def _step(user, b, kind, *, note="", from_status="", to_status="", on=None):
    return BrokeringStep.objects.create(
        brokering=b,
        kind=kind,
        on=on or timezone.localdate(),
        from_status=from_status,
        to_status=to_status,
        note=note,
        **BrokeringStep.by(user),
    )


def _locked(user, b: Brokering | int) -> Brokering:
    pk = b.pk if isinstance(b, Brokering) else b
    return (
        Brokering.objects.restrict(user, VIEW)
        .select_for_update(of=("self",))
        .select_related("demand__enterprise", "achievement", "expert")
        .get(pk=pk)
    )


def add_step(user, b: Brokering | int, kind: str, note: str = "", on: date | None = None) -> BrokeringStep:
    """A contact, a visit, a meeting … on a record that is not closed, by one of its parties."""
    kinds = engine.step_kinds()
    if kind not in kinds:
        raise Refusal("unknown_step", f"未知的步骤类型“{kind}”", f"Unknown step kind '{kind}'.", 422, "kind")
    note = (note or "").strip()
    most = engine.limit("note_chars")
    if len(note) > most:
        raise Refusal("note_too_long", f"说明不能超过{most}字", f"The note is longer than {most} characters.", 422, "note")
    with transaction.atomic():
        record = _locked(user, b)
        if not parties(user, record):
            raise forbidden("只有对接各方可以记录对接步骤", "Only the parties to a brokering record its steps.")
        if record.status == BrokeringStatus.CLOSED:
            raise Refusal("brokering_closed", "对接已终止，须先重新对接", "The brokering is closed: reopen it first.", 409)
        on = on or timezone.localdate()
        if on > timezone.localdate() or on < record.started_on:
            raise Refusal(
                "step_date",
                "步骤日期须在对接开始日期与今天之间",
                "A step's date lies between the brokering's start and today.",
                422,
                "on",
            )
        if record.steps.count() >= engine.limit("steps_per_brokering"):
            raise Refusal("too_many_steps", "该对接记录的步骤已达上限", "This record has as many steps as it may hold.", 409)
        step = _step(user, record, kind, note=note, on=on)
        Brokering.objects.filter(pk=record.pk).update(updated=timezone.now())
    return step


def brokering_transition(user, b: Brokering | int, action: str, reason: str = "", contract=None) -> Brokering:
    """Take one step of the workflow: refused (403) to a role the step does not name, (409) from a state it does
    not start from, (422) without the reason or the contract it asks for."""
    wf = engine.workflow()
    step = wf.transitions.get(action)
    if step is None:
        raise Refusal("unknown_action", f"未知的操作“{action}”", f"Unknown action '{action}'.", 422, "action")
    reason = (reason or "").strip()[: engine.limit("note_chars")]
    with transaction.atomic():
        record = _locked(user, b)
        denial = wf.check(record.status, action, parties(user, record), reason)
        if denial is not None and denial.code == "not_allowed":
            raise forbidden(denial.zh, denial.en)
        if denial is not None:
            status = 422 if denial.code == "reason_required" else 409
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if status == 422 else None)
        audit.known_before(record)
        before = record.status
        record.status = step.target
        fields = ["status", "updated"]
        if step.extra.get("contract_required"):
            record.contract = _signed_contract(user, record, contract)
            fields.append("contract")
        elif step.target == BrokeringStatus.OPEN:
            record.contract = None
            fields.append("contract")
        record.save(update_fields=fields)
        _step(user, record, action, note=reason, from_status=before, to_status=step.target)
    return record


def _signed_contract(user, record: Brokering, contract) -> TechnologyContract:
    """The contract that came of it: one the user may see, not refused, whose buyer is the demand's enterprise."""
    if contract is None or contract == "":
        raise Refusal("contract_required", "登记签约须选择对应的技术合同", "Recording the contract needs the contract.", 422, "contract")
    qs = TechnologyContract.objects.restrict(user, VIEW)
    if isinstance(contract, TechnologyContract):
        found = qs.filter(pk=contract.pk).first()
    elif isinstance(contract, int) and not isinstance(contract, bool):
        found = qs.filter(pk=contract).first()
    else:
        found = qs.filter(registration_number=str(contract).strip()[:30]).first()
    if found is None:
        raise Refusal(
            "contract_not_found",
            "未找到该技术合同，或无权查看",
            "No such technology contract, or you may not see it.",
            422,
            "contract",
        )
    if found.state == ContractState.REFUSED:
        raise Refusal("contract_refused", "该合同未通过认定登记", "This contract was refused registration.", 409, "contract")
    enterprise = record.demand.enterprise
    if found.buyer_id != enterprise.pk and not (enterprise.uscc and found.buyer_uscc == enterprise.uscc):
        raise Refusal(
            "contract_parties",
            f"该合同的买方不是需求企业“{enterprise.name}”",
            f"The contract's buyer is not the demand's enterprise ({enterprise.name}).",
            422,
            "contract",
        )
    return found


# --- events ----------------------------------------------------------------------------------------------


def is_agency(organization_id: int | None) -> bool:
    return bool(organization_id) and Organization.objects.filter(pk=organization_id, kind=OrganizationKind.SERVICE_AGENCY).exists()


def event_save(user, event: BrokeringEvent) -> BrokeringEvent:
    """The bureau runs any event, a district those in its area, a service agency those it organizes."""
    scope = scope_for(user)
    if event.kind not in engine.event_kinds():
        raise Refusal("unknown_event_kind", f"未知的活动类型“{event.kind}”", f"Unknown event kind '{event.kind}'.", 422, "kind")
    if scope.role == Role.ORG_USER:
        if not is_agency(scope.organization_id):
            raise forbidden("只有服务机构可以组织对接活动", "Only a service agency organizes brokering events.")
        if event._state.adding:
            event.organizer_id = scope.organization_id
    elif not scope.is_staff:
        raise forbidden("无权组织对接活动", "You may not organize brokering events.")
    if event._state.adding and getattr(user, "pk", None) and not isinstance(user, Scope):
        event.created_by = user
    event.full_clean(validate_constraints=False)
    if BrokeringEvent.objects.filter(title=event.title, held_on=event.held_on).exclude(pk=event.pk).exists():
        raise Refusal("event_exists", "同一天已有同名的对接活动", "An event of this title is held on that day already.", 409, "title")
    return save_in_scope(user, event)


def event_delete(user, event: BrokeringEvent):
    """An event with no brokering record made at it yet."""
    if event.brokerings.exists():
        raise Refusal("event_has_brokerings", "该活动已有对接记录，不能删除", "Brokering records were made at this event: it stays.", 409)
    delete_in_scope(user, event)


def participant_save(user, event: BrokeringEvent, organization: Organization, role: str, attended: bool = True) -> EventParticipant:
    """Add or change one participant (idempotent: the same organization twice is one row)."""
    if role not in engine.participant_roles():
        raise Refusal("unknown_role", f"未知的参会角色“{role}”", f"Unknown participant role '{role}'.", 422, "role")
    if not BrokeringEvent.objects.restrict(user, CHANGE).filter(pk=event.pk).exists():
        raise forbidden("无权修改该对接活动", "You may not change this event.")
    row = EventParticipant.objects.filter(event=event, organization=organization).first()
    if row is None and event.participants.count() >= engine.limit("participants_per_event"):
        raise Refusal("too_many_participants", "参会单位已达上限", "The event has as many participants as it may hold.", 409)
    row = row or EventParticipant(event=event, organization=organization)
    row.role, row.attended = role, bool(attended)
    return save_in_scope(user, row)


def participant_delete(user, row: EventParticipant):
    delete_in_scope(user, row)
