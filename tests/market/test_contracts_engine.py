"""The pure rules of 技术合同认定登记: rule sets as versioned data, the 技术交易额 rule and its bounds, the workflow,
registration numbers and the buyer's location."""

import datetime as dt
from decimal import Decimal
from functools import partial

import pytest

from heluo.market.engine import contracts as rules

OLD = rules.rule_set("gkfz-2000")
NEW = rules.rule_set("miit-2026")


def test_rule_sets_are_versioned_by_date_and_cite_their_documents():
    assert rules.rule_set_for(dt.date(2025, 12, 31)).code == "gkfz-2000"
    assert rules.rule_set_for(dt.date(2026, 1, 23)).code == "miit-2026"
    for rs in rules.rule_sets():
        assert rs.data["documents"] and all(d["number"] for d in rs.data["documents"])
        assert set(rs.types) == {"development", "transfer", "licensing", "consulting", "service"}
        assert all(t["article"] and t["tag"] for t in rs.types.values())
    with pytest.raises(rules.ContractRuleError):
        rules.rule_set_for(dt.date(1999, 1, 1))


def test_overlapping_rule_sets_are_refused(tmp_path, monkeypatch):
    for name, start, end in (("a", "2000-01-01", "2010-12-31"), ("b", "2010-06-01", None)):
        data = {**OLD.data, "code": name, "effective_from": start, "effective_to": end}
        (tmp_path / f"{name}.json").write_text(__import__("json").dumps(data), encoding="utf-8")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    rules.rule_sets.cache_clear()
    try:
        with pytest.raises(ValueError, match="overlap"):
            rules.rule_sets()
    finally:
        monkeypatch.undo()
        rules.rule_sets.cache_clear()


def test_transaction_amount_is_contract_less_non_technical_costs():
    a = rules.transaction_amount(OLD, "1000000", "250000.004")
    assert (a.contract_amount, a.non_technical_costs, a.transaction_amount) == (
        Decimal("1000000.00"),
        Decimal("250000.00"),
        Decimal("750000.00"),
    )
    assert rules.transaction_amount(OLD, 500, None).transaction_amount == Decimal("500.00")  # no costs: all technical
    derived = rules.transaction_amount(OLD, 1000, None, transaction=600)
    assert derived.non_technical_costs == Decimal("400.00")
    items = rules.transaction_amount(OLD, 1000, None, cost_items={"equipment": 100, "raw_materials": "50"})
    assert items.non_technical_costs == Decimal("150.00") and items.transaction_amount == Decimal("850.00")
    assert rules.transaction_amount(OLD, 1000, 1000).transaction_amount == 0  # all costs non-technical: zero, allowed


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((None,), "contract_amount"),
        ((0,), "contract_amount"),
        ((-5,), "contract_amount"),
        (("abc",), "contract_amount"),
        (("NaN",), "contract_amount"),
        ((10**12,), "contract_amount"),  # above the data's bound
        ((1000, 1001), "non_technical_costs"),  # costs above the contract amount
        ((1000, -1), "non_technical_costs"),
        ((1000, None, 1200), "transaction_amount"),  # a transaction amount above the contract amount
        ((1000, 100, 800), "transaction_amount"),  # stated amounts that do not add up
    ],
)
def test_transaction_amount_bounds(args, field):
    with pytest.raises(rules.ContractRuleError) as exc:
        rules.transaction_amount(OLD, *args)
    assert exc.value.field == field and exc.value.zh and exc.value.en


def test_cost_items_must_be_known_non_negative_and_agree_with_the_total():
    for kwargs in ({"cost_items": {"lunch": 5}}, {"cost_items": {"parts": -5}}, {"non_technical_costs": 10, "cost_items": {"parts": 5}}):
        costs = kwargs.pop("non_technical_costs", None)
        with pytest.raises(rules.ContractRuleError):
            rules.transaction_amount(OLD, 1000, costs, **kwargs)


def test_workflow_states_transitions_and_roles_come_from_data():
    flow = rules.workflow()
    step = partial(rules.check_step, flow)
    assert flow.initial == "submitted" and rules.counted_states() == {"registered"}
    assert step("submitted", "accept", "district_staff").target == "registered"
    assert step("submitted", "reclassify", "bureau_staff", new_type="service", old_type="development").extra["changes_type"]
    with pytest.raises(rules.ContractRuleError):
        step("submitted", "reclassify", "bureau_staff", new_type="development", old_type="development")
    with pytest.raises(rules.ContractRuleError, match="reason"):
        step("submitted", "refuse", "bureau_staff", reason="  ")
    with pytest.raises(rules.ContractRuleError):
        step("registered", "accept", "bureau_staff")  # registered once
    with pytest.raises(rules.ContractRuleError):
        step("submitted", "accept", "org_user")
    with pytest.raises(rules.ContractRuleError):
        step("refused", "reopen", "district_staff", reason="x")  # only the bureau reopens
    assert [t.name for t in flow.available("submitted", {"bureau_staff"})] == ["accept", "reclassify", "refuse"]


def test_a_workflow_naming_an_unknown_state_is_refused():
    config = rules.registration_config()
    bad = {
        **config,
        "workflow": {
            **config["workflow"],
            "transitions": {"x": {"label": ["", ""], "from": ["nowhere"], "to": "registered", "by": ["bureau_staff"]}},
        },
    }
    with pytest.raises(ValueError, match="nowhere"):
        rules.workflow(bad)


def test_registration_number_format_is_data():
    assert rules.registration_number(2025, "410305", 12) == "2025410305000012"
    config = {**rules.registration_config(), "registration_number": {"format": {"value": "{office}-{year}-{seq:04d}"}, "max_length": 30}}
    assert rules.registration_number(2025, "410305", 12, config) == "410305-2025-0012"


def test_buyer_location_from_area_digits():
    assert rules.location_of("410305", "410300") == "city"
    assert rules.location_of("410105", "410300") == "province"
    assert rules.location_of("110108", "410300") == "elsewhere"
    assert rules.location_of(None, "410300") is None
    assert rules.uscc_area_code("91410305MA0000011X") == "410305"
    assert rules.uscc_area_code("short") is None


def test_indicator_flavour_and_tax_parameters_are_data():
    assert rules.indicator_flavour() == {
        "direction": "output",
        "amount": "contract_amount",
        "period": "registered_on",
        "unit_divisor": 100000000,
    }
    assert rules.entrusted_rd_deductible(NEW, "development", "commissioned", Decimal("1000")) == Decimal("800.00")
    assert rules.entrusted_rd_deductible(NEW, "service", "", Decimal("1000")) is None
    assert NEW.deadline_days == OLD.deadline_days == 30
