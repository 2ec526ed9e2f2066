"""The graduation check from data/graduation.json: any one criterion graduates; each is explained; the park has none."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from heluo.incubation.engine import graduation as engine


def facts(**kw):
    return engine.Facts(entered_on=dt.date(2021, 1, 15), on=dt.date(2024, 6, 1), **kw)


def test_the_stages_are_in_chain_order_and_the_registry_lacks_no_maker_space_kind():
    assert [s.code for s in engine.stages()] == ["maker_space", "incubator", "accelerator", "park"]
    assert engine.later("maker_space", "incubator") and not engine.later("incubator", "maker_space")
    assert "maker_space" in engine.stage("maker_space").kinds


def test_nothing_met_is_explained_criterion_by_criterion():
    v = engine.check("incubator", facts(revenue={2023: Decimal("5000000")}))
    assert not v.met and not v.terminal
    assert len(v.criteria) == 3 and all(c.zh and c.en and c.why_zh and c.why_en for c in v.criteria)
    assert v.months == 40 and v.max_months == 48 and not v.overdue


def test_a_qualification_graduates_from_the_incubator():
    v = engine.check("incubator", facts(qualifications=frozenset({"hte"})))
    assert v.met and v.criteria[0].met


def test_consecutive_years_are_needed_where_the_criterion_says_so():
    big = Decimal("60000000")
    assert not engine.check("accelerator", facts(revenue={2021: big, 2023: big})).met
    assert engine.check("accelerator", facts(revenue={2022: big, 2023: big})).met


def test_the_park_has_no_graduation_and_overdue_is_flagged():
    assert engine.check("park", facts()).terminal
    assert engine.check("maker_space", facts()).overdue  # 40 months > 24


@settings(max_examples=25)
@given(st.integers(0, 30_000_000))
def test_the_revenue_threshold_is_exact(amount):
    v = engine.check("incubator", facts(revenue={2023: Decimal(amount)}))
    assert v.met == (amount >= 10_000_000)
