"""Statistics of registered contracts by area, type and direction, and the plan indicator 技术合同成交额 computed
from them and reconciled with the published figure."""

import datetime as dt
from decimal import Decimal

import pytest

from heluo.core.permissions import SYSTEM
from heluo.market.selectors import contracts as selectors
from heluo.plan.loader import load_plan
from heluo.plan.models import Indicator
from heluo.plan.selectors import COMPUTATIONS, compute_indicator, reconcile
from heluo.plan.selectors import dashboard as d

from .contracts_world import OUTSIDE_BUYER, PROVINCE_BUYER, make_contract, register


@pytest.fixture
def registered(world):
    """A sells to B (100万, 80万 technical), B sells outside (50万), A sells in the province (30万, 2024),
    a refused contract and one awaiting review (never counted)."""
    on = dt.date(2025, 3, 20)
    register(world, make_contract(world, amount="1000000", costs="200000"), on=on)
    register(world, make_contract(world, seller=world.ent_b, buyer_uscc=OUTSIDE_BUYER, amount="500000", contract_type="transfer"), on=on)
    register(
        world,
        make_contract(world, buyer_uscc=PROVINCE_BUYER, amount="300000", signed_on=dt.date(2024, 5, 1), submitted_on=dt.date(2024, 5, 2)),
        on=dt.date(2024, 5, 10),
    )
    from heluo.market.services import contracts as services

    services.contract_transition(SYSTEM, make_contract(world, amount="9000000"), "refuse", reason="设备买卖")
    make_contract(world, amount="7000000")
    return world


def rows(stats):
    return {r.label: (r.count, r.contract_amount, r.transaction_amount) for r in stats.rows}


def test_output_by_area_counts_registered_contracts_of_sellers_here(registered):
    w = registered
    stats = selectors.statistics(SYSTEM, "area", "output", dt.date(2025, 1, 1), dt.date(2025, 12, 31), city=w.city)
    assert rows(stats) == {"涧西区": (1, Decimal("1000000"), Decimal("800000")), "洛龙区": (1, Decimal("500000"), Decimal("500000"))}
    assert stats.total.count == 2 and stats.total.contract_amount == Decimal("1500000")
    every_year = selectors.statistics(SYSTEM, "area", "output", city=w.city)
    assert rows(every_year)["涧西区"][0] == 2


def test_absorption_counts_buyers_here(registered):
    stats = selectors.statistics(SYSTEM, "area", "absorption", city=registered.city)
    assert rows(stats) == {"洛龙区": (1, Decimal("1000000"), Decimal("800000"))}


def test_by_direction_type_and_year(registered):
    city = registered.city
    assert rows(selectors.statistics(SYSTEM, "direction", city=city)) == {
        "技术输出": (3, Decimal("1800000"), Decimal("1600000")),
        "技术吸纳": (1, Decimal("1000000"), Decimal("800000")),
    }
    assert set(rows(selectors.statistics(SYSTEM, "type", city=city))) == {"技术服务", "技术转让"}
    assert [r.key for r in selectors.statistics(SYSTEM, "year", city=city).rows] == [2024, 2025]


def test_statistics_are_scoped(registered):
    stats = selectors.statistics(registered.users.district_a, "area", "output", city=registered.city)
    assert set(rows(stats)) == {"涧西区"}  # district A sees neither B's sale outside nor B's figures
    assert selectors.statistics(registered.users.org_a, "direction", city=registered.city).rows[0].count == 2


def test_unknown_grouping_is_refused(world):
    with pytest.raises(ValueError):
        selectors.statistics(SYSTEM, "colour", city=world.city)


@pytest.fixture
def plan_world(registered):
    load_plan("luoyang")
    return registered


def test_the_market_registers_its_computation_with_the_plan(plan_world):
    spec = COMPUTATIONS["tech_contract_amount"]
    assert spec.by_area is not None and spec.tables
    k04 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="K04")
    assert d.computable(k04)
    assert "/market/contracts/" in d.records_url(k04, 2025)


def test_the_indicator_is_computed_live_and_reconciled(plan_world):
    w = plan_world
    k04 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="K04")
    assert compute_indicator(k04, 2025) == Decimal("0.0150")  # 150万 output in 2025, in 亿元
    assert compute_indicator(k04, 2024) == Decimal("0.0030")
    assert compute_indicator(k04, 2025, w.a) == Decimal("0.0100")
    assert d.computed_by_area(k04, 2025, [w.a, w.b]) == {w.a.pk: Decimal("0.0100"), w.b.pk: Decimal("0.0050")}
    r = reconcile(SYSTEM, k04, 2022)
    assert r.computed == 0 and r.reported.value == 113 and r.difference == -113
    register(
        w, make_contract(w, amount="113000000", signed_on=dt.date(2022, 1, 1), submitted_on=dt.date(2022, 1, 2)), on=dt.date(2022, 6, 1)
    )
    r = reconcile(SYSTEM, k04, 2022)
    assert r.computed == Decimal("1.1300") and r.difference == Decimal("-111.87")


def test_the_flavour_is_data_and_parameters_may_choose_another(plan_world):
    k04 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="K04")
    k04.computation_params = {"amount": "transaction_amount"}
    assert compute_indicator(k04, 2025) == Decimal("0.0130")
    k04.computation_params = {"direction": "absorption"}
    assert compute_indicator(k04, 2025) == Decimal("0.0100")
    k04.computation_params = {"direction": "sideways"}
    with pytest.raises(ValueError):
        compute_indicator(k04, 2025)


def test_by_cluster(registered):
    from heluo.market.models import TechnologyContract
    from heluo.taxonomy.models import Cluster

    cluster = Cluster.objects.create(city=registered.city, code="bearing", kind="cluster", name_zh="轴承", name_en="Bearings")
    TechnologyContract.objects.filter(seller=registered.ent_b).update(cluster=cluster)
    assert rows(selectors.statistics(SYSTEM, "cluster", city=registered.city)) == {
        "轴承": (1, Decimal("500000"), Decimal("500000")),
        "未填写": (2, Decimal("1300000"), Decimal("1100000")),
    }
