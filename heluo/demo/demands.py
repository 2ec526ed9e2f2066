"""The demo's technology demands (技术需求): about 600 across the demo's enterprises and districts, written from the
taxonomy (each enterprise's clusters' key technology directions and its high-tech field), in every workflow state and
confidentiality level, and one demand campaign (需求征集) with a target per district, so the campaign page has its
district breakdown. The ``org`` account's enterprise posts a few of its own.

Seeded and bulk: the campaign goes through the service (it is one record); the demands, their events and their change
records are inserted in bulk, in one transaction. Built once (skipped when the demo campaign exists);
``reset_demo_demands`` removes it (``heluo demo --reset``).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.middleware import acting_as
from heluo.core.permissions import SYSTEM
from heluo.geo.models import Area
from heluo.market.engine import demands as engine
from heluo.market.models import Demand, DemandCampaign, DemandEvent
from heluo.market.selectors.demands import district_ids
from heluo.market.services.demands import campaign_save
from heluo.orgs.models import Organization, OrganizationKind
from heluo.taxonomy.models import Cluster, HitechField

CAMPAIGN_TITLE = "2026年度全市企业技术需求征集（演示）"
CAMPAIGN_NOTE = "演示：由科技局发起，各县区组织辖区企业填报技术需求，征集结果用于供需对接。"
TARGET_COUNT = 600
IN_CAMPAIGN = 0.6  # the share of demands the districts collect in the campaign; the rest enterprises post themselves
# (state, weight, steps after creation)
STATES = [
    ("draft", 15, []),
    ("submitted", 15, ["submit"]),
    ("reviewed", 15, ["submit", "review"]),
    ("published", 45, ["submit", "review", "publish"]),
    ("withdrawn", 10, ["submit", "withdraw"]),
]
CONFIDENTIALITY = [("public", 60), ("matched", 25), ("bureau", 15)]
MODES = [("joint_development", 30), ("commissioned_development", 20), ("transfer", 12), ("licence", 10), ("consulting_services", 15)]
MODES += [("joint_platform", 6), ("talent", 5), ("other", 2)]
TITLES = ["{d}关键技术攻关", "{d}工艺优化与质量提升", "{d}国产化替代", "{d}产品开发", "{d}检测与评价方法", "{d}智能化改造"]
PAINS = [
    "现有工艺良品率偏低，批次间性能波动大",
    "关键部件依赖进口，交货周期长、成本高",
    "产品寿命与可靠性达不到下游客户的新要求",
    "生产能耗偏高，难以满足节能降碳指标",
    "缺少专业的测试验证手段，问题定位困难",
    "企业研发团队规模小，缺少相关方向的专业人才",
]
GOALS = [
    "希望与高校、科研院所联合攻关，形成可量产的解决方案",
    "希望引进成熟技术，一年内完成中试并实现产业化",
    "希望委托有经验的团队开发样机，并协助完成型式试验",
    "希望获得技术咨询，明确技术路线和投入预算",
    "希望共建研发平台，长期合作培养技术骨干",
]
REASON_WITHDRAWN = "企业已通过自主研发解决，撤回需求"


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _directions(cluster: Cluster) -> list[str]:
    parts = [p.strip() for p in re.split(r"[、；;，,（）()。.]", cluster.focus_zh or "") if 2 <= len(p.strip()) <= 14]
    return parts or [cluster.name_zh]


def build_demo_demands(log=print, seed: int = 2024) -> int:
    """Returns the number of demands made (0: already there, or no demo enterprises)."""
    if DemandCampaign.objects.filter(title=CAMPAIGN_TITLE).exists():
        return 0
    firms = list(
        Organization.objects.filter(kind=OrganizationKind.ENTERPRISE, area__parent__isnull=False)
        .values_list("pk", "area_id", "hitech_field_id", "industry_id")
        .order_by("pk")
    )
    if not firms:
        return 0
    rng = random.Random(seed)
    clusters = {c.pk: c for c in Cluster.objects.all()}
    of_firm = {}
    for org_id, cluster_id in Organization.clusters.through.objects.values_list("organization_id", "cluster_id"):
        of_firm.setdefault(org_id, []).append(cluster_id)
    subfields = list(HitechField.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    staff = get_user_model().objects.filter(username="staff").first()
    own = get_user_model().objects.filter(username="org").values_list("profile__organization_id", flat=True).first()
    now, started = timezone.now(), time.monotonic()
    with acting_as(staff, "demo"), transaction.atomic():
        campaign = campaign_save(
            staff or SYSTEM,
            DemandCampaign(
                title=CAMPAIGN_TITLE, description=CAMPAIGN_NOTE, opens_at=now - dt.timedelta(days=40), closes_at=now + dt.timedelta(days=20)
            ),
            targets={d: rng.randrange(20, 70, 5) for d in district_ids()},
        )
        demands, steps = _plan(rng, firms, own, of_firm, clusters, subfields, campaign, now)
        Demand.objects.bulk_create(demands, batch_size=1000)
        events = []
        for d, (created, chain) in zip(demands, steps):
            events.append(DemandEvent(demand=d, action="create", to_status="draft", actor=staff, actor_name="demo", via="demo", at=created))
            status, at = "draft", created
            for action in chain:
                step = engine.workflow().transitions[action]
                at += dt.timedelta(days=rng.randint(1, 6))
                reason = REASON_WITHDRAWN if step.reason_required else ""
                events.append(
                    DemandEvent(
                        demand=d,
                        action=action,
                        from_status=status,
                        to_status=step.target,
                        actor=staff,
                        actor_name="demo",
                        via="demo",
                        at=at,
                        reason=reason,
                    )
                )
                status = step.target
        DemandEvent.objects.bulk_create(events, batch_size=2000)
        audit.record_changes(Demand, [(d.pk, d.title, "create", None, audit.serialize(d)) for d in demands])
    log(f"  技术需求 / technology demands: {len(demands)}, {len(events)} steps, 1 campaign ({time.monotonic() - started:.1f} s)")
    return len(demands)


def _plan(rng, firms, own, of_firm, clusters, subfields, campaign, now):
    demands, steps, taken = [], [], set()
    districts = set(district_ids())
    parent = dict(Area.objects.values_list("pk", "parent_id"))
    picks = [f for f in firms if f[0] == own] * 6 + rng.choices(firms, k=TARGET_COUNT * 2)  # some post several
    for org_id, area_id, field_id, industry_id in picks:
        if len(demands) >= TARGET_COUNT:
            break
        cluster_ids = (of_firm.get(org_id) or [rng.choice(list(clusters))]) if clusters else []
        cluster = clusters[rng.choice(cluster_ids)] if cluster_ids else None
        direction = rng.choice(_directions(cluster)) if cluster else "生产工艺"
        title = rng.choice(TITLES).format(d=direction)
        joins = org_id != own and rng.random() < IN_CAMPAIGN and _district(area_id, parent, districts) is not None
        key = (campaign.pk if joins else None, org_id, title)
        if key in taken:
            continue
        taken.add(key)
        state, _, chain = STATES[[s[0] for s in STATES].index(_weighted(rng, [(s[0], s[1]) for s in STATES]))]
        created = (
            campaign.opens_at + dt.timedelta(days=rng.randint(0, 30), hours=rng.randint(8, 18))
            if joins
            else now - dt.timedelta(days=rng.randint(20, 200))
        )
        low = Decimal(rng.choice([5, 10, 20, 30, 50, 80, 100, 200])) * 10000
        sub = [s for s, p in subfields if p == field_id]
        demands.append(
            Demand(
                enterprise_id=org_id,
                campaign=campaign if joins else None,
                title=title,
                problem=f"我公司在{direction}方面遇到瓶颈：{rng.choice(PAINS)}。{rng.choice(GOALS)}。",
                hitech_field_id=rng.choice(sub) if sub else field_id,
                industry_id=industry_id,
                cluster=cluster,
                budget_min=low if rng.random() < 0.7 else None,
                budget_max=low * rng.choice([2, 3, 5]) if rng.random() < 0.85 else None,
                deadline=(now + dt.timedelta(days=rng.randint(60, 540))).date(),
                cooperation_mode=_weighted(rng, MODES),
                confidentiality=_weighted(rng, CONFIDENTIALITY),
                status=state,
                submitted_at=created + dt.timedelta(days=1) if chain else None,
                published_at=created + dt.timedelta(days=10) if state == "published" else None,
            )
        )
        steps.append((created, chain))
    return demands, steps


def _district(area_id, parent, districts):
    for _ in range(10):
        if area_id in districts or area_id is None:
            return area_id
        area_id = parent.get(area_id)
    return None


def reset_demo_demands():
    """The demo's campaign and every demand of the demo's enterprises (before those enterprises go)."""
    orgs = Organization.objects.filter(is_synthetic=True) | Organization.objects.filter(description__contains="[heluo-demo]")
    Demand.objects.filter(enterprise__in=orgs).delete()
    campaigns = DemandCampaign.objects.filter(title=CAMPAIGN_TITLE)
    Demand.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()
