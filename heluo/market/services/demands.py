"""Writes of technology demands and demand campaigns: the web, the API, the import and the demo all come through
here. Scope and the field rules are core.permissions' (save_in_scope); the workflow is engine.demands' data."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.i18n import Bilingual, Refusal
from heluo.core.models import Role
from heluo.core.permissions import (
    VIEW,
    Scope,
    action_rule,
    delete_in_scope,
    save_in_scope,
    scope_for,
)

from ..engine import demands as engine
from ..models import CampaignTarget, Demand, DemandCampaign, DemandEvent, DemandStatus
from ..selectors.demands import district_ids


def forbidden(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Bilingual(zh, en).both)


def parties(user, demand: Demand) -> frozenset[str]:
    """The workflow's roles the user holds for this demand."""
    scope = scope_for(user)
    roles = set()
    if scope.is_bureau:
        roles.add(engine.BUREAU)
    if scope.role == Role.DISTRICT_STAFF and demand.enterprise.area_id in scope.area_ids:
        roles.add(engine.DISTRICT)
    if scope.role == Role.ORG_USER and scope.organization_id and scope.organization_id == demand.enterprise_id:
        roles.add(engine.ENTERPRISE)
    return frozenset(roles)


@action_rule(Demand)
def demand_actions(user, demand, base):
    """The transitions the user may take now (the pages' buttons; demand_transition refuses the others)."""
    return [t.name for t in engine.workflow().available(demand.status, parties(user, demand))]


# --- demands ---------------------------------------------------------------------------------------------


def _check_content(demand: Demand):
    modes = {m["code"] for m in engine.cooperation_modes()}
    if demand.cooperation_mode not in modes:
        raise Refusal(
            "unknown_cooperation_mode",
            f"未知的合作方式“{demand.cooperation_mode}”",
            f"Unknown cooperation mode '{demand.cooperation_mode}'.",
            422,
            "cooperation_mode",
        )
    bound = engine.budget_max()
    for name in ("budget_min", "budget_max"):
        value = getattr(demand, name)
        if value is None:
            continue
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > bound:
            raise Refusal(
                "budget_out_of_range",
                f"预算须在 0 至 {bound / 10000:,.0f} 万元之间",
                f"The budget must lie between 0 and {bound / 10000:,.0f} 万元 (10k yuan).",
                422,
                name,
            )
        if value != value.quantize(Decimal("0.01")):
            raise Refusal("budget_precision", "预算最多精确到分", "The budget has more than two decimals (fen).", 422, name)
    if demand.budget_min is not None and demand.budget_max is not None and demand.budget_min > demand.budget_max:
        raise Refusal("budget_range", "预算下限不能高于上限", "The lower budget bound is above the upper one.", 422, "budget_min")
    if demand.deadline is not None:
        today, years = timezone.localdate(), engine.deadline_max_years()
        if demand.deadline.year > today.year + years or (demand._state.adding and demand.deadline < today):
            raise Refusal(
                "deadline_out_of_range",
                f"截止日期须在今天之后的{years}年以内",
                f"The deadline must lie between today and {years} years ahead.",
                422,
                "deadline",
            )
    if demand.budget_max == 0:
        raise Refusal("budget_range", "预算上限须大于0", "The upper budget bound must be above 0.", 422, "budget_max")


def refuse_closed(campaign: DemandCampaign, at=None):
    """A demand joins a campaign only while its window is open."""
    at = at or timezone.now()
    opens, closes = timezone.localtime(campaign.opens_at), timezone.localtime(campaign.closes_at)
    if at < campaign.opens_at:
        raise Refusal(
            "campaign_not_open",
            f"需求征集“{campaign.title}”将于 {opens:%Y-%m-%d %H:%M} 开始，尚不能加入需求",
            f"The campaign '{campaign.title}' opens at {opens:%Y-%m-%d %H:%M}; no demand can join it yet.",
            409,
            "campaign",
        )
    if at >= campaign.closes_at:
        raise Refusal(
            "campaign_closed",
            f"需求征集“{campaign.title}”已于 {closes:%Y-%m-%d %H:%M} 截止，不能再加入新的需求",
            f"The campaign '{campaign.title}' closed at {closes:%Y-%m-%d %H:%M}; no new demand can join it.",
            409,
            "campaign",
        )


def _check_who(user, demand: Demand, joining: bool):
    """An enterprise posts its own demands; a district enters its own area's enterprises' demands within an open
    campaign; the bureau any."""
    if demand.enterprise_id is None:
        raise Refusal("enterprise_required", "须指明提出需求的企业", "The enterprise posting the demand is required.", 422, "enterprise")
    scope = scope_for(user)
    if scope.is_bureau:
        return
    if scope.role == Role.ORG_USER:
        if demand.enterprise_id != scope.organization_id:
            raise forbidden("企业只能发布本企业的技术需求", "An enterprise posts only its own demands.")
        if joining:
            raise forbidden("加入需求征集须由县区或科技局录入", "A demand joins a campaign through its district or the bureau.")
        return
    if scope.role == Role.DISTRICT_STAFF:
        if demand.enterprise.area_id not in scope.area_ids:
            raise forbidden("只能为本辖区的企业录入需求", "You may enter demands only for enterprises in your own area.")
        if demand._state.adding and demand.campaign_id is None:
            raise Refusal(
                "campaign_required",
                "县区代企业录入需求须选择一个正在进行的需求征集",
                "A district enters demands for its enterprises within an open campaign: choose one.",
                422,
                "campaign",
            )
        return
    raise forbidden("无权录入技术需求", "You may not enter technology demands.")


def demand_save(user, demand: Demand) -> Demand:
    """Create or change a demand. A new one starts in the workflow's initial state, with its creation as its
    first event."""
    adding = demand._state.adding
    stored_campaign = None if adding else Demand.objects.filter(pk=demand.pk).values_list("campaign_id", flat=True).first()
    joining = demand.campaign_id is not None and demand.campaign_id != stored_campaign
    _check_who(user, demand, joining and scope_for(user).role == Role.ORG_USER)
    if joining:
        refuse_closed(demand.campaign)
    _check_content(demand)
    if adding:
        demand.status = engine.workflow().initial
    demand.full_clean()
    with transaction.atomic():
        save_in_scope(user, demand)
        if adding:
            _event(user, demand, "create", "", demand.status)
    return demand


def demand_delete(user, demand: Demand):
    """Only a draft, by whoever may change it."""
    delete_in_scope(user, demand)


def _event(user, demand, action, from_status, to_status, reason=""):
    DemandEvent.objects.create(
        demand=demand, action=action, from_status=from_status, to_status=to_status, reason=reason, **DemandEvent.by(user)
    )


def demand_transition(user, demand: Demand | int, action: str, reason: str = "") -> Demand:
    """Take one step of the workflow: refused (403) to a role the step does not name, (409) from a state it does
    not start from, (422) without the reason it asks for."""
    wf = engine.workflow()
    step = wf.transitions.get(action)
    if step is None:
        raise Refusal("unknown_action", f"未知的操作“{action}”", f"Unknown action '{action}'.", 422, "action")
    reason = (reason or "").strip()[:500]
    pk = demand.pk if isinstance(demand, Demand) else demand
    with transaction.atomic():
        d = Demand.objects.restrict(user, VIEW).select_for_update(of=("self",)).select_related("enterprise").get(pk=pk)
        denial = wf.check(d.status, action, parties(user, d), reason)
        if denial is not None and denial.code == "not_allowed":
            raise forbidden(denial.zh, denial.en)
        if denial is not None:
            status = 422 if denial.code == "reason_required" else 409
            raise Refusal(denial.code, denial.zh, denial.en, status, "reason" if status == 422 else None)
        audit.known_before(d)
        before, now = d.status, timezone.now()
        d.status = step.target
        if step.target == DemandStatus.SUBMITTED:
            d.submitted_at = now
        if step.target == DemandStatus.PUBLISHED:
            d.published_at = now
        d.save(update_fields=["status", "submitted_at", "published_at", "updated"])
        _event(user, d, action, before, step.target, reason)
    return d


# --- campaigns -------------------------------------------------------------------------------------------


def bureau_only(user) -> Scope:
    scope = scope_for(user)
    if not scope.is_bureau:
        raise forbidden("只有科技局可以组织需求征集", "Only the bureau organizes demand campaigns.")
    return scope


def campaign_save(user, campaign: DemandCampaign, targets: dict | None = None) -> DemandCampaign:
    """Create or change a campaign; `targets` ({district area or id: number}) replaces its targets when given."""
    bureau_only(user)
    if campaign.opens_at and campaign.closes_at and campaign.closes_at <= campaign.opens_at:
        raise Refusal("campaign_window", "截止时间须晚于开始时间", "The campaign must close after it opens.", 422, "closes_at")
    if campaign._state.adding and getattr(user, "pk", None):
        campaign.created_by = user
    campaign.full_clean()
    rows = None
    if targets is not None:
        rows = _target_rows(targets)
    with transaction.atomic():
        save_in_scope(user, campaign)
        if rows is not None:
            campaign.targets.exclude(area_id__in=[a for a, _ in rows]).delete()
            for area_id, n in rows:
                CampaignTarget.objects.update_or_create(campaign=campaign, area_id=area_id, defaults={"target": n})
    return campaign


def _target_rows(targets: dict) -> list[tuple[int, int]]:
    rows = []
    districts, most = set(district_ids()), engine.max_target()
    for area, n in targets.items():
        area_id = getattr(area, "pk", area)
        if area_id not in districts:
            raise Refusal("target_area", "目标只能按县区设置", "Targets are set per district.", 422, "targets")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= most:
            raise Refusal(
                "target_range", f"目标须为 0 至 {most} 之间的整数", f"A target is a whole number from 0 to {most:,}.", 422, "targets"
            )
        if n:
            rows.append((area_id, n))
    return rows
