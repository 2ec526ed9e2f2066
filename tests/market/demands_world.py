"""What the demand tests share: the registry world (tests/conftest.py) with a district B user, a second enterprise
user, an open and a closed campaign, and one demand per confidentiality level in each state that matters."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from heluo.core.models import Role
from heluo.core.permissions import SYSTEM
from heluo.market.models import Demand, DemandCampaign
from heluo.market.services import demands as services
from tests.helpers import make_user


def demand(enterprise, title="高精度轴承寿命预测", **kw):
    values = dict(problem="轴承在高速重载工况下寿命不稳定，需要寿命预测模型与在线监测方案。", cooperation_mode="joint_development")
    values.update(kw)
    return Demand(enterprise=enterprise, title=title, **values)


def walk(d, *actions, user=SYSTEM, reason="理由"):
    for action in actions:
        d = services.demand_transition(user, d, action, reason)
    return d


def published(enterprise, title, confidentiality, **kw):
    d = services.demand_save(SYSTEM, demand(enterprise, title, confidentiality=confidentiality, **kw))
    return walk(d, "submit", "review", "publish")


@pytest.fixture
def market(world):
    now = timezone.now()
    users = SimpleNamespace(
        **vars(world.users),
        district_b=make_user("district_b", Role.DISTRICT_STAFF, areas=[world.b]),
        org_b=make_user("org_b", Role.ORG_USER, organization=world.ent_b),
    )
    open_campaign = services.campaign_save(
        SYSTEM, DemandCampaign(title="2026年企业技术需求征集", opens_at=now - dt.timedelta(days=5), closes_at=now + dt.timedelta(days=25))
    )
    closed_campaign = services.campaign_save(
        SYSTEM, DemandCampaign(title="2025年企业技术需求征集", opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(days=1))
    )
    demands = SimpleNamespace(
        a_public=published(world.ent_a, "甲公开需求", "public", budget_min=Decimal("100000"), budget_max=Decimal("500000")),
        a_matched=published(world.ent_a, "甲对接方可见需求", "matched"),
        a_bureau=published(world.ent_a, "甲仅科技局可见需求", "bureau"),
        a_draft=services.demand_save(SYSTEM, demand(world.ent_a, "甲草稿需求")),
        b_public=published(world.ent_b, "乙公开需求", "public"),
        b_matched=published(world.ent_b, "乙对接方可见需求", "matched"),
        b_bureau=published(world.ent_b, "乙仅科技局可见需求", "bureau"),
        b_submitted=walk(services.demand_save(SYSTEM, demand(world.ent_b, "乙已提交公开需求")), "submit"),
    )
    return SimpleNamespace(world=world, users=users, open=open_campaign, closed=closed_campaign, d=demands)
