"""What the brokering tests share: the demand world (demands_world.market) with a published achievement of B's
enterprise, an agency with its user, the pool's expert, and a registered contract bought by A's enterprise."""

from types import SimpleNamespace

import pytest

from heluo.core.codes import make_uscc
from heluo.core.models import Role
from heluo.core.permissions import SYSTEM
from heluo.market.models import Brokering
from heluo.market.services import brokering as services
from heluo.orgs.models import Organization, OrganizationKind
from heluo.people.models import Expert
from tests.helpers import make_user

from . import demands_world
from .achievement_rows import make, taxonomy
from .contracts_world import make_contract, register


def start(user, demand, **counterpart) -> Brokering:
    return services.brokering_save(user, Brokering(demand=demand, **counterpart))


market = demands_world.market  # the fixture this one builds on (a test module takes both)


@pytest.fixture
def brokering(market):
    world = market.world
    tax = taxonomy(world)
    agency = Organization.objects.create(
        name="洛阳技术转移中心", uscc=make_uscc("5", "2", "410305", "MA00AG01"), area=world.a, kind=OrganizationKind.SERVICE_AGENCY
    )
    users = SimpleNamespace(
        **vars(market.users),
        agency=make_user("agency", Role.ORG_USER, organization=agency),
        org_a2=make_user("org_a2", Role.ORG_USER, organization=world.ent_a2),
    )
    achievement = make(world, tax, org=world.ent_b, status="published", title="乙区高精度轴承寿命预测成果")
    draft = make(world, tax, org=world.ent_b, status="draft", title="乙区草稿成果")
    contract = register(world, make_contract(world, seller=world.ent_b, buyer_uscc=world.ent_a.uscc, amount="800000", costs="100000"))
    pending = make_contract(world, seller=world.ent_b, buyer_uscc=world.ent_a.uscc, amount="500000", name="待认定合同")
    other = register(world, make_contract(world, seller=world.ent_a, buyer_uscc=world.ent_b.uscc, name="乙方买入合同"))
    return SimpleNamespace(
        market=market,
        world=world,
        d=market.d,
        users=users,
        agency=agency,
        achievement=achievement,
        draft=draft,
        expert=Expert.objects.get(),
        contract=contract,
        pending=pending,
        other_contract=other,
        system=SYSTEM,
    )
