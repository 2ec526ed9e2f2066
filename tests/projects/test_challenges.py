"""揭榜挂帅 / 赛马制 through the services: a challenge compiled from published public demands only, bids only while it
is published and from eligible teams (registry, staff, integrity), one award for a single challenge and exactly two for
a race, then a checkpoint that keeps one; every step an event; who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from heluo.core.i18n import Refusal
from heluo.core.models import Role
from heluo.market.models import Demand
from heluo.people.models import Person
from heluo.projects.models import BidStatus, Challenge, ChallengeEvent, IntegrityRecord
from heluo.projects.selectors import challenges as selectors
from heluo.projects.services import challenges as services
from tests.helpers import make_user

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2028, 12, 31)


def demand(enterprise, title, confidentiality="public", status="published"):
    return Demand.objects.create(
        enterprise=enterprise,
        title=title,
        problem="问题",
        cooperation_mode="joint_development",
        confidentiality=confidentiality,
        status=status,
    )


@pytest.fixture
def demands(world):
    return [demand(world.ent_a, "高端轴承寿命"), demand(world.ent_b, "工业机器人视觉"), demand(world.ent_a, "保密需求", "matched")]


def compile_(world, demands, mode="single", **kw):
    return services.compile_challenge(
        world.users.staff,
        [d.pk for d in demands],
        title="高端轴承关键技术攻关",
        problem="寿命不足",
        indicators="寿命≥2万小时",
        budget="5000000",
        deadline=DEADLINE,
        mode=mode,
        **kw,
    )


def bidder(world, n, org=None):
    org = org or world.ent_b
    leader = Person.objects.create(name=f"负责人{n}", employer=org)
    user = make_user(f"bidder{n}", Role.ORG_USER, organization=org)
    return user, leader


def test_compiled_from_public_demands_only(world, demands):
    c = compile_(world, demands[:2])
    assert c.demand_titles == ["高端轴承寿命", "工业机器人视觉"] and c.status == "draft"
    with pytest.raises(Refusal):
        compile_(world, demands)  # a confidential demand is not the public's to read
    with pytest.raises(PermissionDenied):
        services.compile_challenge(world.users.org_a, [demands[0].pk], title="t", problem="p", indicators="i", budget=1, deadline=DEADLINE)
    with pytest.raises(Refusal):
        compile_(world, demands[:1], mode="race")  # a race needs its checkpoint
    assert not selectors.challenge_list(None).exists()  # a draft is the bureau's


def test_single_challenge_end_to_end_with_events(world, demands):
    staff = world.users.staff
    c = compile_(world, demands[:1])
    user_b, leader_b = bidder(world, 1)
    with pytest.raises(Refusal):
        services.bid(user_b, c, leader=leader_b, plan="方案", requested="1000000")  # not published yet
    c = services.challenge_status(staff, c, "published")
    assert list(selectors.challenge_list(None)) == [c]
    b1 = services.bid(user_b, c, leader=leader_b, plan="方案一", requested="1000000")
    b2 = services.bid(world.users.org_a, c, leader=world.person_a, plan="方案二", requested="2000000")
    with pytest.raises(Refusal):
        services.bid(user_b, c, leader=leader_b, plan="再次", requested="1")  # once per organization
    with pytest.raises(Refusal):
        services.award(staff, c, [b1], "理由")  # still open for bids
    c = services.challenge_status(staff, c, "closed")
    with pytest.raises(Refusal):
        services.bid(world.users.org_a, c, leader=world.person_a, plan="晚了", requested="1")
    services.review_bid(staff, b1, "shortlisted", "方案可行")
    services.review_bid(staff, b2, "shortlisted", "方案可行")
    with pytest.raises(Refusal):
        services.award(staff, c, [b1, b2], "两个")  # single: one bid
    award = services.award(staff, c, [b1], "指标最优")
    b1.refresh_from_db(), b2.refresh_from_db(), c.refresh_from_db()
    assert (b1.status, b2.status, c.status) == (BidStatus.AWARDED, BidStatus.REJECTED, "awarded")
    assert list(award.bids.all()) == [b1]
    with pytest.raises(Refusal):
        services.checkpoint(staff, c, b1, "单一揭榜无节点")
    actions = list(ChallengeEvent.objects.filter(challenge=c).values_list("action", flat=True))
    assert actions == ["compiled", "published", "bid", "bid", "closed", "shortlisted", "shortlisted", "awarded", "not_selected", "award"]
    # a bidder sees its own bid only; the public the challenge, none of the bids
    assert list(selectors.bid_list(user_b)) == [b1] and list(selectors.bid_list(world.users.org_a)) == [b2]
    assert not selectors.bid_list(None).exists() and selectors.bid_list(staff).count() == 2


def test_race_awards_two_then_keeps_one_at_the_checkpoint(world, demands):
    staff = world.users.staff
    c = compile_(world, demands[:2], mode="race", checkpoint_on=dt.date(2027, 6, 30))
    services.challenge_status(staff, c, "published")
    bids = []
    for n, org in enumerate((world.ent_b, world.ent_a2), 1):
        user, leader = bidder(world, n, org)
        bids.append(services.bid(user, c, leader=leader, plan=f"方案{n}", requested=Decimal("2000000")))
    bids.append(services.bid(world.users.org_a, c, leader=world.person_a, plan="方案3", requested="1000000"))
    services.challenge_status(staff, c, "closed")
    for b in bids:
        services.review_bid(staff, b, "shortlisted", "可行")
    with pytest.raises(Refusal):
        services.award(staff, c, bids[:1], "只有一个")
    award = services.award(staff, c, bids[:2], "两队并行")
    with pytest.raises(Refusal):
        services.checkpoint(staff, c, bids[0], "太早", on=dt.date(2027, 6, 1))
    with pytest.raises(Refusal):
        services.checkpoint(staff, c, bids[2], "不在赛马中", on=dt.date(2027, 7, 1))
    award = services.checkpoint(staff, c, bids[1], "节点指标领先", on=dt.date(2027, 7, 1))
    assert award.continued == bids[1]
    statuses = [type(b).objects.get(pk=b.pk).status for b in bids]
    assert statuses == [BidStatus.STOPPED, BidStatus.AWARDED, BidStatus.REJECTED]
    with pytest.raises(Refusal):
        services.checkpoint(staff, c, bids[0], "再来", on=dt.date(2027, 7, 2))


def test_bids_need_an_eligible_team(world, demands):
    c = services.challenge_status(world.users.staff, compile_(world, demands[:1]), "published")
    user, leader = bidder(world, 1)
    with pytest.raises(Refusal):
        services.bid(user, c, leader=world.person_a, plan="方案", requested="1")  # not on its staff
    with pytest.raises(Refusal):
        services.bid(user, c, leader=leader, plan="方案", requested="6000000")  # more than the budget
    IntegrityRecord.objects.create(
        organization=world.ent_b,
        finding="虚报",
        sanction="三年内不得申报",
        scope="applications",
        starts_on=dt.date(2020, 1, 1),
        source="文号",
    )
    with pytest.raises(Refusal) as e:
        services.bid(user, c, leader=leader, plan="方案", requested="1")
    assert "虚报" in e.value.zh
    with pytest.raises(PermissionDenied):
        services.bid(world.users.staff, c, leader=leader, plan="方案", requested="1")
    assert not c.bids.exists() and Challenge.objects.get(pk=c.pk).status == "published"
