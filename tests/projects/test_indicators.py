"""The plan's project indicators (G26 实施重大科技创新专项, G27 “揭榜挂帅”攻关项目) computed from the projects (a funded
application's or an awarded bid's): cumulative from the plan period's start, by the day each was made, by the area of
its organization."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from heluo.people.models import Person
from heluo.plan.loader import load_plan
from heluo.plan.models import Indicator
from heluo.plan.selectors.computations import COMPUTATIONS, compute_indicator
from heluo.projects.models import Application, Bid, Call, Challenge, Project
from heluo.projects.services.projects import create_project_for, create_project_for_bid

pytestmark = pytest.mark.django_db


def funded(world, call, title, decided, applicant=None, status="funded"):
    """An application decided on `decided`; a funded one made its project that day."""
    pi = Person.objects.get(name="张三")
    at = timezone.make_aware(dt.datetime(*decided))
    a = Application.objects.create(
        call=call, applicant=applicant or world.ent_a, pi=pi, title=title, abstract="x", requested=Decimal(1), status=status, decided_at=at
    )
    if status == "funded":
        p = create_project_for(None, a)
        Project.objects.filter(pk=p.pk).update(created=at)
    return a


def awarded(world, title, decided):
    """An awarded 揭榜挂帅 bid's project, made on `decided`."""
    leader = Person.objects.get(name="张三")
    today = timezone.localdate()
    c = Challenge.objects.create(title=title, problem="x", indicators="x", budget=Decimal(10), deadline=today + dt.timedelta(days=400))
    bid = Bid.objects.create(challenge=c, organization=world.ent_a, leader=leader, plan="x", requested=Decimal(5))
    p = create_project_for_bid(None, bid)
    Project.objects.filter(pk=p.pk).update(created=timezone.make_aware(dt.datetime(*decided)))


def test_major_and_challenge_projects_are_counted_from_funded_applications_and_awarded_bids(world):
    load_plan("luoyang")
    now = timezone.now()
    window = dict(
        opens_at=now - dt.timedelta(days=400), closes_at=now - dt.timedelta(days=300), budget=Decimal(10**7), reviewers_per_proposal=3
    )
    major = Call.objects.create(code="m", title="重大专项", programme="major", year=2025, form_code="standard-project", **window)
    challenge = Call.objects.create(code="c", title="揭榜挂帅", programme="challenge", year=2025, form_code="standard-project", **window)
    funded(world, major, "专项一", (2021, 6, 1))
    funded(world, major, "专项二", (2025, 3, 1), applicant=world.ent_b)
    funded(world, major, "未立项", (2025, 3, 1), status="not_funded")
    funded(world, major, "上个规划期", (2020, 12, 31))
    funded(world, challenge, "揭榜一", (2025, 5, 1))
    awarded(world, "揭榜二", (2025, 7, 1))
    awarded(world, "揭榜三", (2026, 2, 1))
    g26 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="G26")
    g27 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="G27")
    assert COMPUTATIONS["projects_funded"].tables
    assert compute_indicator(g26, 2024) == 1 and compute_indicator(g26, 2025) == 2
    assert compute_indicator(g26, 2025, world.a) == 1 and compute_indicator(g26, 2025, world.b) == 1
    assert compute_indicator(g27, 2025) == 2 and compute_indicator(g27, 2024) == 0 and compute_indicator(g27, 2026) == 3
