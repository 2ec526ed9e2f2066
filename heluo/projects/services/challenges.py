"""Writes of 揭榜挂帅 / 赛马制 challenges: the bureau compiles an entry of the 关键核心技术攻关清单 from enterprises'
published demands, publishes and closes it; a team (揭榜方) bids while it is published, eligible as an applicant is
(in the registry, its leader on its staff, neither debarred); the bureau shortlists or rejects each bid with its
reason and awards one bid (揭榜挂帅) or exactly two (赛马制), each awarded bid becoming a project (in contracting, as a
funded application does), then at the checkpoint keeps one: the stopped team's project is terminated. Each step an
event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from heluo.core.i18n import Bilingual, Refusal
from heluo.core.permissions import scope_for
from heluo.orgs.models import Organization

from ..engine import integrity
from ..models import Award, Bid, BidStatus, Challenge, ChallengeEvent, ChallengeMode, ChallengeStatus
from ..selectors import applications as app_selectors
from ..selectors import challenges as selectors
from .calls import BUDGET_MAX, bureau_only
from .projects import create_project_for_bid, stop_at_checkpoint

DEMANDS_MAX = 20
BIDS_AWARDED = {ChallengeMode.SINGLE: 1, ChallengeMode.RACE: 2}


def _event(user, challenge: Challenge, action: str, reason: str = "", bid: Bid | None = None) -> None:
    ChallengeEvent.objects.create(challenge=challenge, bid=bid, action=action, reason=reason[:2000], **ChallengeEvent.by(user))


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise Refusal("reason", "请写明理由（2000字以内）", "Give the reason (at most 2,000 characters).", 422, "reason")
    return text


def _amount(value, field: str) -> Decimal:
    if value is None or not Decimal(0) < Decimal(value) <= BUDGET_MAX:
        raise Refusal("amount", "金额应为正数且不超过1000亿元", "The amount must be positive and at most 100 billion yuan.", 422, field)
    return Decimal(value)


def compile_challenge(
    user,
    demand_ids,
    *,
    title: str,
    problem: str,
    indicators: str,
    budget,
    deadline: dt.date,
    mode: str = ChallengeMode.SINGLE,
    checkpoint_on: dt.date | None = None,
) -> Challenge:
    """A draft entry from enterprises' demands: their ids and titles copied (published, public demands only)."""
    bureau_only(user)
    ids = sorted({int(i) for i in demand_ids})
    if not 1 <= len(ids) <= DEMANDS_MAX:
        raise Refusal("challenge_demands", f"请选择1至{DEMANDS_MAX}项企业需求", f"Choose 1 to {DEMANDS_MAX} demands.", 422, "demand_ids")
    found = selectors.public_demands(ids)
    if missing := [i for i in ids if i not in found]:
        shown = ", ".join(map(str, missing))
        raise Refusal(
            "challenge_demands", f"需求 {shown} 不存在或未公开", f"Demand(s) {shown} are not published publicly.", 422, "demand_ids"
        )
    if mode not in BIDS_AWARDED:
        raise Refusal("challenge_mode", "未知的组织方式", "Unknown mode.", 422, "mode")
    if mode == ChallengeMode.RACE and (checkpoint_on is None or checkpoint_on >= deadline):
        raise Refusal(
            "challenge_checkpoint",
            "赛马制须设定早于完成期限的节点日期",
            "A race needs a checkpoint before the deadline.",
            422,
            "checkpoint_on",
        )
    c = Challenge(
        title=(title or "").strip(),
        problem=(problem or "").strip(),
        indicators=(indicators or "").strip(),
        budget=_amount(budget, "budget"),
        deadline=deadline,
        demand_ids=ids,
        demand_titles=[found[i] for i in ids],
        mode=mode,
        checkpoint_on=checkpoint_on if mode == ChallengeMode.RACE else None,
        created_by=user if getattr(user, "pk", None) else None,
    )
    c.full_clean(validate_constraints=False)
    with transaction.atomic():
        c.save()
        _event(user, c, "compiled", "；".join(c.demand_titles))
    return c


def challenge_status(user, challenge: Challenge, status: str) -> Challenge:
    """Publish a draft, close a published challenge to bids."""
    bureau_only(user)
    allowed = {ChallengeStatus.DRAFT: ChallengeStatus.PUBLISHED, ChallengeStatus.PUBLISHED: ChallengeStatus.CLOSED}
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if allowed.get(locked.status) != status:
            raise Refusal("challenge_status", "榜单当前状态不能如此变更", "The challenge cannot move to that status from where it is.", 409)
        locked.status = status
        locked.save(update_fields=["status"])
        _event(user, locked, status)
    return locked


def bid(user, challenge: Challenge, *, leader, plan: str, requested) -> Bid:
    """A team's bid, from its organization's account, while the challenge is published."""
    scope = scope_for(user)
    if not scope.organization_id:
        raise PermissionDenied(Bilingual("须以单位账号揭榜", "Bid from an organization's account.").both)
    org = Organization.objects.filter(pk=scope.organization_id).first()
    if org is None or not org.is_published:
        raise Refusal("bid_registry", "揭榜单位须已在单位名录中公开", "The organization must be published in the registry.", 409)
    if leader is None or leader.employer_id != org.pk:
        raise Refusal("bid_leader", "团队负责人须为本单位人员", "The team leader must work for the organization.", 422, "leader")
    today = timezone.localdate()
    for kind, subject in ((integrity.ORGANIZATION, org.pk), (integrity.PERSON, leader.pk)):
        barred = app_selectors.debarment(kind, subject, "apply", today)
        if barred.debarred:
            raise Refusal("bid_debarred", barred.zh, barred.en, 409)
    plan = (plan or "").strip()
    if not plan or len(plan) > 10000:
        raise Refusal("bid_plan", "请填写攻关方案（10000字以内）", "Describe the plan (at most 10,000 characters).", 422, "plan")
    amount = _amount(requested, "requested")
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.status != ChallengeStatus.PUBLISHED:
            raise Refusal("bid_closed", "榜单未在揭榜期内", "The challenge is not open for bids.", 409)
        if amount > locked.budget:
            raise Refusal("bid_amount", "申请金额超过榜单经费", "The amount exceeds the challenge's budget.", 422, "requested")
        if Bid.objects.filter(challenge=locked, organization=org).exists():
            raise Refusal("bid_once", "本单位已揭榜", "The organization has already bid.", 409)
        b = Bid.objects.create(challenge=locked, organization=org, leader=leader, plan=plan, requested=amount)
        _event(user, locked, "bid", bid=b)
    return b


def review_bid(user, b: Bid, status: str, reason: str) -> Bid:
    bureau_only(user)
    if status not in (BidStatus.SHORTLISTED, BidStatus.REJECTED):
        raise Refusal("bid_review", "评审结论应为入围或不予支持", "Shortlist or reject.", 422, "status")
    reason = _reason(reason)
    with transaction.atomic():
        locked = Bid.objects.select_for_update().select_related("challenge").get(pk=b.pk)
        if locked.challenge.status == ChallengeStatus.AWARDED or locked.status not in (BidStatus.SUBMITTED, BidStatus.SHORTLISTED):
            raise Refusal("bid_review", "该揭榜申请已有结论", "This bid is already decided.", 409)
        locked.status, locked.reason = status, reason
        locked.save(update_fields=["status", "reason"])
        _event(user, locked.challenge, status, reason, locked)
    return locked


def award(user, challenge: Challenge, bids, reason: str) -> Award:
    """揭榜挂帅: one shortlisted bid; 赛马制: exactly two, in parallel until the checkpoint."""
    bureau_only(user)
    reason = _reason(reason)
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.status != ChallengeStatus.CLOSED:
            raise Refusal("award_status", "须在揭榜截止后授榜", "Award once the challenge is closed to bids.", 409)
        chosen = list(Bid.objects.filter(challenge=locked, pk__in=[b.pk for b in bids]))
        need = BIDS_AWARDED[locked.mode]
        if len(chosen) != need or len({b.pk for b in bids}) != need:
            zh = "揭榜挂帅应授予一个团队" if need == 1 else "赛马制应同时授予两个团队"
            en = "A single challenge is awarded to one bid" if need == 1 else "A race is awarded to exactly two bids"
            raise Refusal("award_count", zh, en, 422, "bids")
        if any(b.status != BidStatus.SHORTLISTED for b in chosen):
            raise Refusal("award_shortlist", "只能授予入围的揭榜申请", "Only shortlisted bids can be awarded.", 422, "bids")
        a = Award.objects.create(challenge=locked, reason=reason)
        a.bids.set(chosen)
        today = timezone.localdate()
        for b in chosen:
            Bid.objects.filter(pk=b.pk).update(status=BidStatus.AWARDED)
            _event(user, locked, "awarded", reason, b)
            create_project_for_bid(user, b, today)
        others = Bid.objects.filter(challenge=locked).exclude(pk__in=[b.pk for b in chosen]).exclude(status=BidStatus.REJECTED)
        for b in others:
            _event(user, locked, "not_selected", reason, b)
        others.update(status=BidStatus.REJECTED, reason="未获授榜 / not awarded")
        locked.status = ChallengeStatus.AWARDED
        locked.save(update_fields=["status"])
        _event(user, locked, "award", reason)
    return a


def checkpoint(user, challenge: Challenge, keep: Bid, reason: str, on: dt.date | None = None) -> Award:
    """赛马制's checkpoint: one of the two teams continues, the other stops."""
    bureau_only(user)
    reason = _reason(reason)
    on = on or timezone.localdate()
    with transaction.atomic():
        a = Award.objects.select_for_update().select_related("challenge").filter(challenge_id=challenge.pk).first()
        if a is None or a.challenge.mode != ChallengeMode.RACE:
            raise Refusal("checkpoint_mode", "只有已授榜的赛马制榜单有节点评估", "Only an awarded race has a checkpoint.", 409)
        if a.continued_id is not None:
            raise Refusal("checkpoint_done", "节点评估已完成", "The checkpoint is already decided.", 409)
        if on < a.challenge.checkpoint_on:
            raise Refusal("checkpoint_early", "尚未到节点日期", "The checkpoint date has not come yet.", 409)
        pair = list(a.bids.all())
        if keep.pk not in {b.pk for b in pair}:
            raise Refusal("checkpoint_bid", "须从赛马的两个团队中选择", "Choose one of the two racing teams.", 422, "keep")
        a.continued, a.checkpoint_reason, a.checkpoint_at = keep, reason, timezone.now()
        a.save(update_fields=["continued", "checkpoint_reason", "checkpoint_at"])
        for b in pair:
            if b.pk != keep.pk:
                Bid.objects.filter(pk=b.pk).update(status=BidStatus.STOPPED, reason=reason)
                _event(user, a.challenge, "stopped", reason, b)
                stop_at_checkpoint(user, b, reason)
        _event(user, a.challenge, "continued", reason, keep)
    return a
