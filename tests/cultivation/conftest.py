"""The cultivation tests' city: the shared ``world`` with last year's figures set so that a small 瞪羚 rule set
(made with the rule-set builder, put on the gazelle pool) gives the pool of ``test_work``'s docstring.

A test module that needs other criterion rows overrides the ``gazelle_rows`` fixture."""

import datetime as dt
from decimal import Decimal

import pytest

from heluo.core.models import Role
from heluo.cultivation.engine.ruleset_builder import build
from heluo.cultivation.models import BenefitPolicy, CustomRuleSet
from heluo.orgs.models import EnterpriseAnnual, Qualification

from ..conftest import make_user

YEAR = 2025
META = {
    "name": "gazelle-test",
    "version": "1",
    "title_zh": "瞪羚企业（测试）",
    "title_en": "Gazelle (test)",
    "doc_number": "洛科〔2026〕1号",
    "doc_title": "瞪羚企业认定办法（测试）",
}
GAZELLE_ROWS = [
    {
        "code": "rd_ratio",
        "zh": "研发投入强度",
        "value": "rd_expense@-1 / sales_revenue@-1",
        "op": ">=",
        "threshold": "0.03",
        "article": "第三条",
        "tag": "C",
    },
    {"code": "staff", "zh": "职工人数", "value": "total_staff@-1", "op": ">=", "threshold": "50", "article": "第三条", "tag": "C"},
]


def set_last_year(org, rd, staff=100):
    EnterpriseAnnual.objects.filter(organization=org, year=YEAR - 1).update(
        sales_revenue=Decimal("10000000"), rd_expense=Decimal(rd), total_staff=staff
    )


def custom_set(name, rows, pool=""):
    definition = build({**META, "name": name}, rows)
    return CustomRuleSet.objects.create(name=name, title=definition["title_zh"], version="1", pool=pool, definition=definition)


@pytest.fixture
def gazelle_rows():
    return GAZELLE_ROWS


@pytest.fixture
def city(world, gazelle_rows):
    """The world with the data of ``test_work``'s docstring and the 瞪羚 rule set on the gazelle pool."""
    set_last_year(world.ent_a2, 400_000)
    set_last_year(world.ent_a, 270_000)
    set_last_year(world.ent_b, 350_000, staff=40)
    set_last_year(world.hidden_b, 500_000)
    Qualification.objects.create(organization=world.hidden_b, kind="gazelle", valid_from=dt.date(2020, 1, 1))
    custom_set("gazelle-test", gazelle_rows, pool="gazelle")
    world.district_b = make_user("district_b", Role.DISTRICT_STAFF, areas=[world.b])
    world.org_b = make_user("org_b", Role.ORG_USER, organization=world.ent_b)
    return world


@pytest.fixture
def award(city):
    """A 5% R&D award, capped at 18,000, for firms with last year's R&D ≥ 300,000, 瞪羚 holders excluded.

    Passing: 甲区高新企业 (400,000 → 20,000, capped to 18,000), 乙企业 (350,000 → 17,500) and 乙未公开企业
    (holds 瞪羚: left out); 甲企业 (270,000) fails. Total 35,500.
    """
    custom_set("rd-award-test", [{"code": "rd", "zh": "研发费用", "value": "rd_expense@-1", "op": ">=", "threshold": "300000", "tag": "C"}])
    return BenefitPolicy.objects.create(
        code="rd-award",
        name="研发奖补（测试）",
        ruleset="rd-award-test",
        amount_rate=Decimal("0.05"),
        amount_input="rd_expense@-1",
        amount_cap=Decimal("18000"),
        exclude_holding="gazelle",
        cite="测试文件",
    )
