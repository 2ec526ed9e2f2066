"""An expert's past work counts in demand → experts suggestions: the achievements its person leads or works on at
its employer, and the public demands it has negotiated or signed on (never a confidential one)."""

import pytest

from heluo.market.selectors import matching
from heluo.market.services import brokering as services

from . import brokering_world
from .achievement_rows import make
from .brokering_world import start

pytestmark = pytest.mark.django_db
market, brokering = brokering_world.market, brokering_world.brokering  # the fixtures


@pytest.fixture(autouse=True)
def fresh_indexes():
    matching.forget()
    yield
    matching.forget()


def test_achievements_of_the_experts_team_are_its_past_work(brokering):
    w, tax = brokering.world, brokering.achievement.hitech_field
    person = brokering.expert.person
    make(
        w,
        type("T", (), {"sub": tax, "industry": None, "cluster": None})(),
        org=w.ent_b,
        status="published",
        title="超声相控阵焊缝探伤方法",
        team=f"赵工、{person.name}",
        industry=None,
        cluster=None,
    )
    make(
        w,
        type("T", (), {"sub": tax, "industry": None, "cluster": None})(),
        org=w.ent_a,
        status="published",
        title="涡流探伤仪校准装置",
        leader=person.name,
        industry=None,
        cluster=None,
    )  # same name, another employer
    past = matching.expert_past_work()
    assert past == {brokering.expert.pk: ["超声相控阵焊缝探伤方法"]}
    [s] = matching.suggest(brokering.users.staff, "experts", "焊缝探伤")
    assert s.obj == brokering.expert and "abstract" in s.fragments


def test_brokered_public_demands_count_confidential_ones_never(brokering):
    u, d = brokering.users, brokering.d
    for demand in (d.a_public, d.a_matched):
        b = start(u.staff, demand, expert=brokering.expert)
        services.brokering_transition(u.staff, b, "negotiate")
    start(u.staff, d.b_public, expert=brokering.expert)  # still open: not yet past work
    assert matching.expert_past_work() == {brokering.expert.pk: [d.a_public.title]}
