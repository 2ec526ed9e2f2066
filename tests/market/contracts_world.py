"""Contracts for the shared test world: sellers and buyers in districts A and B, an outside buyer."""

import datetime as dt
from decimal import Decimal

from heluo.core.codes import make_uscc
from heluo.core.permissions import SYSTEM
from heluo.market.models import TechnologyContract
from heluo.market.services import contracts as services

OUTSIDE_BUYER = make_uscc("9", "1", "110108", "MA00BJ01")  # Beijing
PROVINCE_BUYER = make_uscc("9", "1", "410105", "MA00HN01")  # Zhengzhou


def make_contract(world, user=SYSTEM, office=None, seller=None, buyer_uscc=None, amount="1000000", costs="0", **fields):
    seller = seller or world.ent_a
    values = dict(
        name="轴承寿命试验技术服务",
        contract_type="service",
        seller_name=seller.name,
        seller_uscc=seller.uscc,
        buyer_name="买方",
        buyer_uscc=buyer_uscc if buyer_uscc is not None else world.ent_b.uscc,
        contract_amount=Decimal(amount),
        non_technical_costs=Decimal(costs),
        signed_on=dt.date(2025, 3, 1),
        submitted_on=dt.date(2025, 3, 5),
        office=office or seller.area,
    )
    values.update(fields)
    return services.contract_save(user, TechnologyContract(**values))


def register(world, contract, user=SYSTEM, on=dt.date(2025, 3, 20)):
    return services.contract_transition(user, contract, "accept", on=on)
