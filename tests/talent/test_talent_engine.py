"""The talent rules as data: eligibility explained (the youth strand's age limit inclusive), obligations, shortage."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from heluo.talent.engine import programmes as rules
from heluo.talent.engine import records


def youth():
    return rules.category("heluo-yingcai", "youth", "youth")


def test_youth_age_limit_is_inclusive():
    ok = rules.eligibility(youth()["criteria"], rules.Candidate(1990, "博士", ""), 2025)
    assert rules.eligible(ok) and "35周岁" in ok[0].zh
    old = rules.eligibility(youth()["criteria"], rules.Candidate(1989, "博士", ""), 2025)
    assert not rules.eligible(old) and "超龄" in old[0].zh and "too old" in old[0].en


def test_degree_and_missing_birth_year_explained():
    checks = rules.eligibility(youth()["criteria"], rules.Candidate(None, "硕士", ""), 2025)
    assert [c.ok for c in checks] == [False, False]
    assert "缺少出生年份" in checks[0].zh and "硕士" in checks[1].zh


@settings(max_examples=30)
@given(st.integers(1940, 2010), st.integers(2000, 2040))
def test_age_rule_matches_the_limit(born, year):
    checks = rules.eligibility({"max_age": 35}, rules.Candidate(born, "", ""), year)
    assert checks[0].ok == (year - born <= 35)


def test_every_category_is_complete_and_levels_exist():
    levels = {lv["code"] for lv in rules.card_levels()}
    for s in rules.strands():
        for c in s["categories"]:
            assert {"code", "zh", "en", "quota", "award", "service_years", "level"} <= set(c)
            assert c["level"] in levels


def test_obligation_status():
    start = dt.date(2022, 7, 1)
    assert records.obligation(start, 3, [(2022, True), (2023, True)], dt.date(2024, 1, 1)).status == records.ON_TRACK
    breached = records.obligation(start, 3, [(2022, True), (2023, False)], dt.date(2024, 1, 1))
    assert breached.status == records.BREACHED and "2023" in breached.zh
    assert records.obligation(start, 3, [(2022, True)], dt.date(2025, 7, 1)).status == records.FULFILLED


def test_shortage_gap_and_urgency():
    rows = records.shortage({("f1", "C"): 10, ("f2", "D"): 4}, {("f1", "C"): 8, ("f2", "D"): 1})
    assert [(r.field, r.gap, r.urgent) for r in rows] == [("f2", 3, True), ("f1", 2, False)]


def test_age_bands():
    assert records.age_band(1990, 2025) == "u35"
    assert records.age_band(1960, 2025) == "56+"
    assert records.age_band(None, 2025) is None
