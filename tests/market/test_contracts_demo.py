"""The demo's technology contract registrations: about 1,500 across the districts and years, valid by the rules,
built once, removed by the reset, and counted by the plan's indicator."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from heluo.core.codes import check_uscc
from heluo.demo import contracts as demo
from heluo.demo.brokering import reset_demo_brokering
from heluo.market.models import ContractEvent, TechnologyContract
from heluo.plan.loader import load_plan
from heluo.plan.models import Indicator
from heluo.plan.selectors import compute_indicator

pytestmark = pytest.mark.django_db


def test_the_demo_registers_contracts_the_plan_counts(monkeypatch):
    call_command("load_reference", city="luoyang", verbosity=0)
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    contracts = TechnologyContract.objects.filter(brokerings__isnull=True)  # the brokering demo's signed ones aside
    assert contracts.count() == len(demo.YEARS) * demo.PER_YEAR and not TechnologyContract.objects.filter(is_synthetic=False).exists()
    assert contracts.filter(state="registered").count() > 1400
    assert not contracts.exclude(transaction_amount=F("contract_amount") - F("non_technical_costs")).exists()
    assert all(check_uscc(c).valid for c in contracts.values_list("buyer_uscc", flat=True).distinct())
    offices = contracts.values("office").annotate(n=Count("pk"))
    assert len(offices) >= 5  # across the districts
    assert set(contracts.values_list("buyer_location", flat=True)) == {"city", "province", "elsewhere"}
    assert ContractEvent.objects.filter(kind="accept").count() == TechnologyContract.objects.filter(state="registered").count()

    load_plan("luoyang")
    k04 = Indicator.objects.get(plan__code="luoyang-14th-fyp", code="K04")
    value_2022 = compute_indicator(k04, 2022)
    assert Decimal("60") < value_2022 < Decimal("114")  # a share of the published 113 亿元 (sellers outside the city excluded)

    before = TechnologyContract.objects.count()
    call_command("demo", "--no-serve", "--size", "small", stdout=io.StringIO())
    assert TechnologyContract.objects.count() == before  # a second run changes nothing

    reset_demo_brokering()  # its signed records hold contracts
    TechnologyContract.objects.all().delete()
    demo.build_demo_contracts(log=lambda *a: None)
    call_command("demo", "--no-serve", "--size", "small", "--reset", stdout=io.StringIO())
    assert TechnologyContract.objects.count() == before
