"""Writes of the incubation chain: a platform put on the chain at a stage its kind may serve (data/chain.json); a
firm admitted to a carrier; its graduation (checked against data/graduation.json and refused, with the criteria
explained, when none is met), its move on to a later stage's carrier, or its exit with a reason — each a transition
of data/incubation-workflow.json recorded as an append-only event. The carrier's host organization, the district
(the carrier's or the firm's) and the bureau take these steps; a platform is put on the chain by staff."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, VIEW, action_rule, scope_for
from heluo.core.workflow import load as load_workflow
from heluo.orgs.models import Organization, OrganizationKind
from heluo.platforms.models import Platform, PlatformHost, PlatformStatus

from ..engine import graduation as engine
from ..models import Carrier, Incubation, IncubationEvent, IncubationStatus
from ..selectors import chain as selectors
from .common import date, not_future, text

HOST, DISTRICT, OFFICER = "host", "district", "officer"


def workflow():
    return load_workflow(engine.DATA / "incubation-workflow.json")


def parties(user, incubation: Incubation) -> frozenset[str]:
    scope = scope_for(user)
    out = set()
    if scope.is_bureau:
        out.add(OFFICER)
    elif scope.role == Role.DISTRICT_STAFF and (
        incubation.carrier.platform.area_id in scope.area_ids or incubation.firm.area_id in scope.area_ids
    ):
        out.add(DISTRICT)
    elif scope.role == Role.ORG_USER and scope.organization_id:
        if PlatformHost.objects.filter(platform_id=incubation.carrier.platform_id, organization_id=scope.organization_id).exists():
            out.add(HOST)
    return frozenset(out)


@action_rule(Incubation)
def incubation_actions(user, incubation, base):
    return [t.name for t in workflow().available(incubation.status, parties(user, incubation))]


def _event(user, incubation, action, before="", after="", reason="", **detail):
    IncubationEvent.objects.create(
        incubation=incubation,
        action=action,
        from_status=before,
        to_status=after,
        reason=reason[:2000],
        detail=detail,
        **IncubationEvent.by(user),
    )


def may_manage(user, carrier: Carrier) -> bool:
    """The carrier's host organization, its district and the bureau manage its firms."""
    return carrier.platform_id in managed_platforms(user, [carrier.platform])


def managed_platforms(user, platforms) -> set[int]:
    """Of the platforms, those whose carriers the user manages (one query at most)."""
    scope = scope_for(user)
    ids = {p.pk for p in platforms}
    if scope.is_bureau:
        return ids
    if scope.role == Role.DISTRICT_STAFF:
        return {p.pk for p in platforms if p.area_id in scope.area_ids}
    if scope.role == Role.ORG_USER and scope.organization_id:
        hosted = PlatformHost.objects.filter(platform_id__in=ids, organization_id=scope.organization_id)
        return set(hosted.values_list("platform_id", flat=True))
    return set()


# --- carriers --------------------------------------------------------------------------------------------------------


@transaction.atomic
def register_carrier(user, platform: Platform, stage: str, registered_on=None, capacity=None, note: str = "") -> Carrier:
    scope = scope_for(user)
    if not (scope.is_bureau or (scope.role == Role.DISTRICT_STAFF and platform.area_id in scope.area_ids)):
        raise PermissionDenied(
            Bilingual(
                "只有市科技局或平台所在县区可以登记孵化载体", "Only the bureau or the platform's district may put a carrier on the chain."
            ).both
        )
    spec = engine.stage(stage)
    if spec is None:
        raise Refusal("unknown_stage", f"未知的孵化阶段：{stage}", f"Unknown stage: {stage}", 422, "stage")
    if platform.kind not in spec.kinds:
        raise Refusal(
            "kind_not_at_stage",
            f"“{platform.get_kind_display()}”类平台不能作为{spec.zh}（见 data/chain.json）",
            f"A platform of kind '{platform.kind}' cannot serve as {spec.en} (see data/chain.json).",
            422,
            "stage",
        )
    if platform.status == PlatformStatus.REVOKED:
        raise Refusal("platform_revoked", "该平台已被撤销", "The platform has been revoked.", 409, "platform")
    if Carrier.objects.filter(platform=platform).exists():
        raise Refusal("already_carrier", "该平台已在孵化链条上", "The platform is already on the chain.", 409, "platform")
    if capacity is not None and (not isinstance(capacity, int) or not 0 < capacity <= 100000):
        raise Refusal("bad_capacity", "可容纳企业数应为1至100000", "The capacity is 1 to 100,000 firms.", 422, "capacity")
    on = not_future(date(registered_on or dt.date.today(), "registered_on"), "registered_on")
    return Carrier.objects.create(platform=platform, stage=stage, capacity=capacity, registered_on=on, note=text(note, "note", 300, False))


# --- a firm's stay -----------------------------------------------------------------------------------------------------


def _firm(user, firm) -> Organization:
    firm = Organization.objects.restrict(user, VIEW).filter(pk=getattr(firm, "pk", firm)).first()
    if firm is None or firm.kind != OrganizationKind.ENTERPRISE:
        raise Refusal("not_an_enterprise", "只有企业可以入孵", "Only an enterprise can be incubated.", 422, "firm")
    return firm


@transaction.atomic
def admit(user, carrier: Carrier, firm, entered_on, moves_on: bool = False, reason: str = "") -> Incubation:
    """Admit a firm; `moves_on`: it comes from its latest graduation at an earlier stage of the chain (which the
    receiving carrier need not see: the firm's own latest graduated stay is found here)."""
    if not may_manage(user, carrier):
        raise PermissionDenied(
            Bilingual(
                "只有载体运营单位、所在县区或市科技局可以办理入孵", "Only the carrier's host, its district or the bureau may admit a firm."
            ).both
        )
    on = not_future(date(entered_on, "entered_on"), "entered_on")
    firm = _firm(user, firm)
    previous = None
    if moves_on:
        graduated = Incubation.objects.filter(firm=firm, status=IncubationStatus.GRADUATED, graduated_on__lte=on)
        previous = graduated.select_for_update(of=("self",)).select_related("carrier").order_by("-graduated_on", "-pk").first()
        if previous is None:
            raise Refusal(
                "previous_not_graduated",
                "该企业没有可进入下一阶段的毕业记录",
                "The firm has no graduation to move on from.",
                409,
                "moves_on",
            )
        if not engine.later(previous.carrier.stage, carrier.stage):
            raise Refusal("not_onward", "只能进入链条的后续阶段", "A firm moves on only to a later stage of the chain.", 422, "carrier")
    if carrier.platform.status == PlatformStatus.REVOKED:
        raise Refusal("platform_revoked", "该载体已被撤销，不能入孵", "The carrier has been revoked: it admits no firm.", 409, "carrier")
    if carrier.capacity and carrier.incubations.filter(status=IncubationStatus.INCUBATING).count() >= carrier.capacity:
        raise Refusal("carrier_full", "该载体已满员", "The carrier is full.", 409, "carrier")
    if Incubation.objects.filter(firm=firm, status=IncubationStatus.INCUBATING).exists():
        raise Refusal("already_incubating", "该企业正在其他载体孵化", "The firm is already being incubated.", 409, "firm")
    try:
        with transaction.atomic():
            inc = Incubation.objects.create(carrier=carrier, firm=firm, entered_on=on, previous=previous)
    except IntegrityError:  # a concurrent admission of the same firm, or of the same graduate's next stay
        raise Refusal(
            "already_incubating", "该企业正在孵化或已进入下一阶段", "The firm is already being incubated or has moved on.", 409, "firm"
        ) from None
    if previous is not None:
        previous.status = IncubationStatus.MOVED_ON
        previous.save(update_fields=["status"])
        _event(user, previous, "move_on", IncubationStatus.GRADUATED, IncubationStatus.MOVED_ON, reason, to_incubation=inc.pk)
    _event(
        user,
        inc,
        "admit",
        "",
        IncubationStatus.INCUBATING,
        reason,
        carrier=carrier.pk,
        stage=carrier.stage,
        previous=previous and previous.pk,
    )
    return inc


def _locked(user, incubation) -> Incubation:
    pk = getattr(incubation, "pk", incubation)
    inc = Incubation.objects.restrict(user, CHANGE).select_for_update(of=("self",)).filter(pk=pk).first()
    if inc is None:
        raise PermissionDenied(Bilingual("您不能办理此企业的孵化事项", "You may not manage this firm's incubation.").both)
    return inc


def _transition(user, inc: Incubation, name: str, reason: str = ""):
    denial = workflow().check(inc.status, name, parties(user, inc), reason)
    if denial is not None:
        if denial.code == "not_allowed":
            raise PermissionDenied(Bilingual(denial.zh, denial.en).both)
        raise Refusal(denial.code, denial.zh, denial.en, 422 if denial.code == "reason_required" else 409, "reason")
    return workflow().transitions[name].target


def _graduation(inc: Incubation, on: dt.date) -> engine.Verdict:
    if on < inc.entered_on:
        raise Refusal("before_entry", "毕业日期不能早于入孵日期", "Graduation cannot precede entry.", 422, "graduated_on")
    verdict = selectors.verdict(inc, on)
    if verdict.terminal:
        raise Refusal("no_graduation", "产业园阶段没有毕业", "The park is the chain's last stage: there is no graduation.", 409, "status")
    if not verdict.met:
        unmet = [c for c in verdict.criteria]
        raise Refusal(
            "criteria_not_met",
            "未满足任何一项毕业条件：" + "；".join(f"{c.zh}（{c.why_zh}）" for c in unmet),
            "No graduation criterion is met: " + "; ".join(f"{c.en} ({c.why_en})" for c in unmet),
            409,
            "graduated_on",
        )
    return verdict


@transaction.atomic
def graduate(user, incubation, graduated_on, reason: str = "", next_carrier: Carrier | None = None) -> Incubation:
    """Graduate the firm when it meets one of its stage's criteria; with `next_carrier` (a later stage the user may
    admit to), it moves on there the same day; otherwise the next carrier admits it later (`admit(previous=…)`)."""
    inc = _locked(user, incubation)
    on = not_future(date(graduated_on, "graduated_on"), "graduated_on")
    target = _transition(user, inc, "graduate", reason)
    if next_carrier is not None and not engine.later(inc.carrier.stage, next_carrier.stage):
        raise Refusal("not_onward", "只能进入链条的后续阶段", "A firm moves on only to a later stage of the chain.", 422, "next_carrier")
    if next_carrier is not None and not may_manage(user, next_carrier):
        raise PermissionDenied(Bilingual("下一阶段的入孵由该载体运营单位办理", "The next carrier's host admits the firm there.").both)
    verdict = _graduation(inc, on)
    before = inc.status
    inc.status, inc.graduated_on, inc.graduation = target, on, verdict.as_dict()
    inc.save(update_fields=["status", "graduated_on", "graduation"])
    _event(user, inc, "graduate", before, target, reason, graduation=verdict.as_dict())
    if next_carrier is not None:
        admit(user, next_carrier, inc.firm, on, moves_on=True, reason=reason)
    return inc


@transaction.atomic
def leave(user, incubation, left_on, reason: str) -> Incubation:
    inc = _locked(user, incubation)
    target = _transition(user, inc, "leave", reason)
    on = not_future(date(left_on, "left_on"), "left_on")
    if on < inc.entered_on:
        raise Refusal("before_entry", "退出日期不能早于入孵日期", "Exit cannot precede entry.", 422, "left_on")
    before = inc.status
    inc.status, inc.left_on = target, on
    inc.save(update_fields=["status", "left_on"])
    _event(user, inc, "leave", before, target, text(reason, "reason", 2000))
    return inc
