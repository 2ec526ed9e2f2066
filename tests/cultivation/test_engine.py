"""Qualification engine: hand-worked cases for every shipped rule set, band edges, growth edge rules,
undetermined results, and agreement of the scalar and the vectorised (Polars) paths on random inputs.

Hand computations are in the comments; policy references are to ../shared/reference/policy-rules.md.
"""

import datetime as dt
import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heluo.cultivation.engine.evaluation import evaluate, gap_text, what_if
from heluo.cultivation.engine.frames import evaluate_frame, evaluate_frames, frame_details, frame_evaluations
from heluo.cultivation.engine.rules import (
    STANDARD_INPUTS,
    RuleSetError,
    extra_input_catalogue,
    load_ruleset,
    parse_ruleset,
    ruleset_names,
)

Y = 2025
HTE = load_ruleset("hte-2016")
SME = load_ruleset("tech-sme-2022")


def row(**kw):
    """A year row of a healthy firm (money in 元)."""
    base = dict(
        registered_on=dt.date(2015, 3, 1),
        total_staff=100,
        st_staff=20,
        sales_revenue=40_000_000,
        total_income=41_000_000,
        hitech_income=30_000_000,
        cost_total=35_000_000,
        rd_expense=3_000_000,
        rd_expense_domestic=3_000_000,
        total_assets=50_000_000,
        net_assets=20_000_000,
        ip_class1=1,
        ip_class2=3,
        hitech_field=1,
        transformations=5,
        major_violation=False,
        has_valid_hte=False,
        provincial_rd_institution=False,
        national_award_5y=False,
        led_standard_5y=False,
    )
    base.update(kw)
    return base


EXPERTS = dict(expert_ip_score=25, expert_transform_score=25, expert_rd_mgmt_score=15)


def hte_firm(y3=None, y2=None, y1=None):
    """Net assets 20M → 27M → 36.45M and sales 40M → 54M → 72.9M: both grow 35% (band A, 9–10)."""
    return {
        Y - 3: row(**(y3 or {})),
        Y - 2: row(**{"net_assets": 27_000_000, "sales_revenue": 54_000_000, **(y2 or {})}),
        Y - 1: row(**{"net_assets": 36_450_000, "sales_revenue": 72_900_000, **EXPERTS, **(y1 or {})}),
    }


def text(rs, ev, code):
    return gap_text(rs.by_code[code], ev.criteria[code])


# --------------------------------------------------------------------------------------------------
# hte-2016
# --------------------------------------------------------------------------------------------------
def test_hte_passes_with_expert_scores():
    ev = evaluate(HTE, hte_firm(), Y)
    # 25 + 25 + 15 (experts) + 9–10 (net-asset growth 35%) + 9–10 (sales growth 35%) = 83–85 ≥ 71
    assert ev.result == "pass"
    assert ev.score == (83, 85)
    assert ev.failed == []
    # R&D 9M over sales 166.9M = 5.39%; latest sales 72.9M is in the 4% band
    assert ev.criteria["rd_ratio"].threshold == (0.04, 0.04)
    assert ev.criteria["rd_ratio"].value[0] == pytest.approx(9_000_000 / 166_900_000)


def test_hte_fails_only_the_rd_band_by_a_known_amount():
    flat = {"sales_revenue": 40_000_000, "rd_expense": 1_500_000, "rd_expense_domestic": 1_500_000}
    ev = evaluate(HTE, hte_firm(flat, flat, flat), Y)
    # Σrd 4.5M / Σsales 120M = 3.75% < 5% (latest sales 40M ≤ 50M): 5% × 120M − 4.5M = 1.5M short
    assert ev.result == "fail"
    assert ev.failed == ["rd_ratio"]
    r = ev.criteria["rd_ratio"]
    assert r.value == (0.0375, 0.0375) and r.threshold == (0.05, 0.05)
    assert r.gap == pytest.approx(1_500_000)
    assert text(HTE, ev, "rd_ratio") == ("研发费用还差 150.00 万元", "R&D expense short by 1,500,000 yuan")
    # sales did not grow (0 points) but 25 + 25 + 15 + 9–10 = 74–75 still passes
    assert ev.criteria["innovation_pass"].state == "pass"


@pytest.mark.parametrize(
    "latest_sales,band",
    [
        (50_000_000, 0.05),
        (50_000_001, 0.04),
        (200_000_000, 0.04),
        (200_000_001, 0.03),
    ],
)
def test_hte_rd_band_edges_are_inclusive_upper_bounds(latest_sales, band):
    ev = evaluate(HTE, hte_firm(y1={"sales_revenue": latest_sales}), Y)
    assert ev.criteria["rd_ratio"].threshold == (band, band)


def test_hte_exactly_five_percent_at_exactly_fifty_million_passes():
    exact = {"sales_revenue": 50_000_000, "rd_expense": 2_500_000, "rd_expense_domestic": 2_500_000}
    ev = evaluate(HTE, hte_firm(exact, exact, exact), Y)
    assert ev.criteria["rd_ratio"].value == (0.05, 0.05)
    assert ev.criteria["rd_ratio"].state == "pass"
    short = dict(exact, rd_expense=2_499_999, rd_expense_domestic=2_499_999)
    ev = evaluate(HTE, hte_firm(exact, exact, short), Y)
    assert ev.criteria["rd_ratio"].state == "fail"
    assert ev.criteria["rd_ratio"].gap == pytest.approx(1)


def test_hte_staff_exactly_ten_percent_and_gap_in_persons():
    assert evaluate(HTE, hte_firm(y1={"st_staff": 10}), Y).criteria["st_staff_ratio"].state == "pass"
    ev = evaluate(HTE, hte_firm(y1={"st_staff": 9}), Y)
    # new S&T hires count in the total too: (9 + x) / (100 + x) ≥ 10% ⇒ x ≥ 1.11 ⇒ 2 persons
    assert ev.criteria["st_staff_ratio"].state == "fail"
    assert text(HTE, ev, "st_staff_ratio") == ("科技人员还需 2 人", "needs 2 more S&T staff")


def test_hte_domestic_rd_and_hitech_income_gaps():
    ev = evaluate(HTE, hte_firm(y1={"rd_expense_domestic": 0, "hitech_income": 20_500_000}), Y)
    # domestic 6M of 9M: (6M + x) / (9M + x) ≥ 60% ⇒ x ≥ −1.5M: passes
    assert ev.criteria["rd_domestic"].state == "pass"
    # 20.5M / 41M = 50%: 10 percentage points short
    assert text(HTE, ev, "hitech_income") == (
        "高新技术产品收入占比还差 10.00 个百分点",
        "high-tech income share short by 10.00 percentage points",
    )


def test_hte_seventy_points_fail_seventy_one_pass():
    exact = dict(
        expert_ip_score=20, expert_transform_score=20, expert_rd_mgmt_score=10, expert_growth_net_score=10, expert_growth_sales_score=10
    )
    ev = evaluate(HTE, hte_firm(y1=exact), Y)
    assert ev.score == (70, 70)
    assert ev.result == "fail" and ev.failed == ["innovation_pass"]
    assert text(HTE, ev, "innovation_pass") == ("创新能力评价还差 1 分", "innovation score 1 points short")
    ev = evaluate(HTE, hte_firm(y1=dict(exact, expert_ip_score=21)), Y)
    assert ev.score == (71, 71) and ev.result == "pass"


def test_hte_undetermined_without_expert_scores_gives_the_range_still_possible():
    firm = hte_firm(y1={k: None for k in EXPERTS})
    ev = evaluate(HTE, firm, Y)
    # IP 8–30 (one class I item: number 7–8 and how obtained 1–6 from the data, the other sub-items 0–8, 0–8
    # and 0–2, capped at 30), transformations (5 a year, band A) 25–30, R&D organisation 0–20, growth 9–10 + 9–10
    assert ev.result == "undetermined"
    assert ev.score == (51, 100)
    assert ev.failed == []
    assert ev.criteria["ip_score"].state == "undetermined"
    assert ev.criteria["transform_score"].points == (25, 30)
    assert ev.criteria["innovation_pass"].state == "undetermined"


def test_hte_a_failing_condition_decides_even_when_scores_are_undetermined():
    ev = evaluate(HTE, hte_firm(y1={"major_violation": True, **{k: None for k in EXPERTS}}), Y)
    assert ev.result == "fail" and ev.failed == ["no_violation"]
    assert text(HTE, ev, "no_violation")[0].endswith("（一票否决）")


def test_hte_missing_year_makes_the_three_year_ratio_undetermined():
    firm = hte_firm()
    del firm[Y - 2]
    ev = evaluate(HTE, firm, Y)
    assert ev.criteria["rd_ratio"].state == "undetermined"
    assert ev.result == "undetermined"


def test_hte_firm_younger_than_three_years_uses_its_operating_period():
    reg = dt.date(2023, 6, 1)  # operated in 2023 and 2024 only
    firm = {
        Y - 2: row(registered_on=reg, net_assets=10_000_000, sales_revenue=10_000_000),
        Y - 1: row(registered_on=reg, net_assets=13_000_000, sales_revenue=13_000_000, **EXPERTS),
    }
    ev = evaluate(HTE, firm, Y)
    # R&D 6M over sales 23M, over the two operating years
    assert ev.criteria["rd_ratio"].value[0] == pytest.approx(6_000_000 / 23_000_000)
    # two years: a single ratio 13/10 − 1 = 30% → band B, 7–8 [S parameter growth_two_years]
    assert ev.criteria["growth_net_score"].points == (7, 8)
    # transformations: 5 a year averaged over the 2 operating years [S parameter transform_divisor]
    assert ev.criteria["transform_score"].inputs["transformations@-3"] is None
    assert ev.criteria["age"].state == "pass"


@pytest.mark.parametrize(
    "net_assets,points",
    [
        ((20e6, 27e6, 36.45e6), (9, 10)),  # exactly 35% → A
        ((100e6, 105e6, 110.25e6), (3, 4)),  # exactly 5% → D
        ((-5e6, 10e6, 20e6), (9, 10)),  # a negative value counts as 0; first year 0 → last two years: 100%
        ((0, 10e6, 13.5e6), (9, 10)),  # first year 0 → last two years: 35%
        ((10e6, 0, 20e6), (0, 0)),  # second year 0 → 0 points
        ((20e6, 15e6, 10e6), (0, 0)),  # negative growth → 0 points
        ((10e6, 10e6, 10.2e6), (1, 2)),  # 1% > 0 → E
    ],
)
def test_hte_growth_formula_and_edge_rules(net_assets, points):
    firm = hte_firm()
    for off, v in zip((-3, -2, -1), net_assets):
        firm[Y + off]["net_assets"] = v
    assert evaluate(HTE, firm, Y).criteria["growth_net_score"].points == points


def test_hte_one_year_firm_scores_zero_growth_and_parameters_can_change_it():
    reg = dt.date(2024, 2, 1)
    firm = {Y - 1: row(registered_on=reg, **EXPERTS)}
    assert evaluate(HTE, firm, Y).criteria["growth_net_score"].points == (0, 0)
    strict = load_ruleset("hte-2016", params={"growth_one_year": "unknown"})
    assert evaluate(strict, firm, Y).criteria["growth_net_score"].points == (0, 10)


def test_hte_age_depends_on_the_application_date():
    firm = hte_firm()
    for r in firm.values():
        r["registered_on"] = dt.date(2024, 3, 1)
    assert evaluate(HTE, firm, Y).criteria["age"].state == "undetermined"  # 306 days on 1 Jan, 670 on 31 Dec
    assert evaluate(HTE, firm, Y, as_of=dt.date(2025, 3, 1)).criteria["age"].state == "pass"  # 365 days
    ev = evaluate(HTE, firm, Y, as_of=dt.date(2025, 2, 28))
    assert ev.criteria["age"].state == "fail"
    assert text(HTE, ev, "age") == ("注册成立时间还差 1 天", "registered 1 days too recently")


def test_hte_empty_field_means_none():
    ev = evaluate(HTE, hte_firm(y1={"hitech_field": 0}), Y)
    assert ev.criteria["hitech_field"].state == "fail"


# --------------------------------------------------------------------------------------------------
# tech-sme-2022
# --------------------------------------------------------------------------------------------------
def sme(**kw):
    return {Y - 1: row(**kw)}


def test_tech_sme_passes_by_score():
    # staff 20% → 12; R&D 3M / sales 50M = 6% → 50; 2 class II IP → 12; total 74 ≥ 60
    ev = evaluate(SME, sme(sales_revenue=50_000_000, ip_class1=0, ip_class2=2), Y)
    assert ev.score == (74, 74)
    assert [ev.criteria[c].points for c in ("tech_staff_score", "rd_score", "ip_score")] == [(12, 12), (50, 50), (12, 12)]
    assert ev.result == "pass" and ev.failed == []
    # the entity, industry and integrity declarations were not given: taken as met, reported as unchecked
    assert ev.criteria["resident"].state == "unchecked"


def test_tech_sme_passes_by_direct_confirmation():
    # 5% S&T staff scores 0, which no score can make up for; a valid HTE certificate confirms directly
    ev = evaluate(SME, sme(st_staff=5, has_valid_hte=True), Y)
    assert ev.criteria["tech_staff_nonzero"].state == "fail"
    assert ev.result == "pass" and ev.failed == []


def test_tech_sme_tech_staff_score_must_not_be_zero():
    # R&D 50 + IP 30 = 80 ≥ 60, but 9% S&T staff scores 0 and no direct route applies
    ev = evaluate(SME, sme(st_staff=9, sales_revenue=50_000_000), Y)
    assert ev.criteria["score_pass"].state == "pass"
    assert ev.result == "fail"
    assert ev.failed == ["tech_staff_nonzero", "direct_confirmation"]
    assert text(SME, ev, "tech_staff_nonzero")[0] == "科技人员还需 2 人（科技人员占比须达到10%）"


def test_tech_sme_limits_are_inclusive():
    # 20% staff 12 + R&D 12M / 200M = 6% 50 + IP 30
    edge = sme(total_staff=500, st_staff=100, sales_revenue=200_000_000, total_assets=200_000_000, rd_expense=12_000_000)
    assert evaluate(SME, edge, Y).result == "pass"
    ev = evaluate(SME, sme(total_staff=501, st_staff=100, total_assets=200_000_001), Y)
    assert ev.failed == ["staff_max", "assets_max"]
    assert text(SME, ev, "staff_max")[0] == "职工总数超出 1 人"
    assert text(SME, ev, "assets_max")[0] == "资产总额超出 0.01 万元"


def test_tech_sme_rd_takes_the_better_ratio():
    # R&D 1M: 2% of sales 50M → 10, but 30% of costs 3.33M → 50
    ev = evaluate(SME, sme(rd_expense=1_000_000, sales_revenue=50_000_000, cost_total=3_333_333), Y)
    assert ev.criteria["rd_sales_score"].points == (10, 10)
    assert ev.criteria["rd_score"].points == (50, 50)


def test_tech_sme_missing_inputs_and_declaration_parameter():
    ev = evaluate(SME, sme(ip_class1=None, ip_class2=4), Y)
    assert ev.criteria["ip_score"].points == (24, 30)
    strict = load_ruleset("tech-sme-2022", params={"declarations_if_missing": "undetermined"})
    assert evaluate(strict, sme(), Y).result == "undetermined"
    ev = evaluate(SME, sme(resident_enterprise=False), Y)
    assert ev.result == "fail" and ev.failed == ["resident"]


def test_tech_sme_reads_only_the_year_before():
    assert SME.years == (-1,)
    assert evaluate(SME, {Y - 2: row()}, Y).result == "undetermined"


# --------------------------------------------------------------------------------------------------
# 63号 (2022) and 2026 rule sets
# --------------------------------------------------------------------------------------------------
def test_innovative_sme_full_score_and_missing_inputs():
    rs = load_ruleset("innovative-sme-2022")
    firm = {
        Y - 2: row(main_revenue=10_000_000),
        Y - 1: row(
            ip_class1=1,
            ip_class1_high_value=1,
            rd_expense=900_000,
            sales_revenue=15_000_000,
            main_revenue=12_000_000,
            total_assets=100_000_000,
            net_assets=50_000_000,
            strategic_emerging=True,
        ),
    }
    # IP 20 + R&D 6% 20 | main growth 20% 20 + debt 50% 10 | field 10 + main share 80% 20 = 100
    ev = evaluate(rs, firm, Y)
    assert ev.score == (100, 100) and ev.result == "pass"
    firm[Y - 1].update(main_revenue=None, strategic_emerging=None)
    ev = evaluate(rs, firm, Y)
    # growth and main share unknown (0–20 each), field 5–10: 40 + 10–30 + 5–30 = 55–100
    assert ev.score == (55, 100) and ev.result == "undetermined"
    firm[Y - 1]["has_valid_hte"] = True
    assert evaluate(rs, firm, Y).result == "pass"  # direct confirmation


def test_innovative_sme_band_boundary_convention_is_a_parameter():
    firm = {Y - 1: row(rd_expense=2_500_000, sales_revenue=50_000_000)}  # exactly 5%
    rs = load_ruleset("innovative-sme-2022")
    assert evaluate(rs, firm, Y).criteria["rd_ratio_score"].points == (15, 15)  # '>5%' strict [NF]
    inclusive = load_ruleset("innovative-sme-2022", params={"op_top": ">="})
    assert evaluate(inclusive, firm, Y).criteria["rd_ratio_score"].points == (20, 20)


def srdi_firm():
    extras = dict(
        niche_years=6,
        product_field_level=1,
        digital_level=3,
        quality_items=1,
        net_profit=4_000_000,
        local_feature_score=10,
        ip_class1=2,
        ip_class1_own=1,
        ip_class1_high_value=0,
        rd_staff=15,
        rd_institution_level=3,
        provincial_rd_institution=True,
        total_assets=100_000_000,
        net_assets=55_000_000,
    )
    return {
        Y - 3: row(main_revenue=25_000_000),
        Y - 2: row(main_revenue=30_000_000),
        Y - 1: row(rd_expense=2_000_000, main_revenue=36_000_000, **extras),
    }


def test_srdi_sme_hand_scored():
    rs = load_ruleset("srdi-sme-2022")
    ev = evaluate(rs, srdi_firm(), Y)
    # 专业化 5 + 10 + 3 + 3 = 21; 精细化 5 + 3 + 8 (10% is not '>10%') + 5 = 21; 特色化 10;
    # 创新能力 8 + 4 + 3 + 8 = 23; total 75
    pts = {c: ev.criteria[c].points for c in ("specialisation", "refinement", "s9_local", "innovation")}
    assert pts == {"specialisation": (21, 21), "refinement": (21, 21), "s9_local": (10, 10), "innovation": (23, 23)}
    assert ev.score == (75, 75) and ev.result == "pass"


def test_srdi_sme_conditions_and_institution_level_from_the_flag():
    rs = load_ruleset("srdi-sme-2022")
    firm = srdi_firm()
    firm[Y - 1].update(rd_institution_level=None, rd_expense=900_000)
    ev = evaluate(rs, firm, Y)
    assert ev.criteria["s13_rd_institution"].points == (8, 10)
    assert ev.result == "fail" and "rd_amount" in ev.failed
    assert text(rs, ev, "rd_amount")[0] == "研发费用还差 10.00 万元"
    assert evaluate(rs, {Y - 1: row()}, Y).result == "undetermined"  # niche years unknown


def giant_firm(**y1):
    base = dict(
        niche_years=5,
        info_system=True,
        certification=True,
        market_share=0.12,
        own_brand=True,
        own_rd_institution=True,
        ip_class1=3,
        ip_class1_applied=2,
        chain_key=True,
        product_field_ok=True,
        national_award_top3_3y=False,
        chuangke_top50_3y=False,
    )
    return {
        Y - 3: row(main_revenue=100_000_000),
        Y - 2: row(sales_revenue=110_000_000, rd_expense=3_600_000, main_revenue=105_000_000),
        Y - 1: row(
            sales_revenue=120_000_000,
            rd_expense=4_000_000,
            main_revenue=110_250_000,
            total_assets=200_000_000,
            net_assets=80_000_000,
            **{**base, **y1},
        ),
    }


def test_little_giant_2022():
    rs = load_ruleset("little-giant-2022")
    ev = evaluate(rs, giant_firm(), Y)
    # main-business growth exactly 5%, debt 60%, R&D 3.27% and 3.33% on revenue ≥ 100M
    assert ev.criteria["main_growth"].value == (0.05, 0.05)
    assert ev.result == "pass", ev.failed
    firm = giant_firm()
    firm[Y - 2]["rd_expense"] = 3_000_000  # 2.7% in Y−2
    ev = evaluate(rs, firm, Y)
    assert ev.result == "fail" and ev.failed == ["innovation"]
    assert ev.criteria["rd_intensity"].state == "fail"
    assert evaluate(rs, giant_firm(chuangke_top50_3y=True) | {Y - 2: firm[Y - 2]}, Y).result == "pass"
    assert evaluate(rs, {Y - 1: row()}, Y).result == "undetermined"


def test_2026_rule_sets_take_their_figures_from_parameters():
    rs = load_ruleset("little-giant-2026")
    firm = giant_firm(srdi_title=True, ip_class1=4, ip_class1_own=4, ip_class1_applied=4, miit_eval_score=65)
    firm[Y - 1]["main_revenue"] = 110_000_000
    firm[Y - 3]["sales_revenue"] = 100_000_000
    firm[Y - 2]["rd_expense"] = 8_000_000
    # revenue 100M → 120M: CAGR √1.2 − 1 = 9.5%; R&D 12M over two years; main share 91.7%
    ev = evaluate(rs, firm, Y)
    assert ev.result == "pass", ev.failed
    stricter = load_ruleset("little-giant-2026", params={"rd_sum_2y_min": 12_000_001})
    ev = evaluate(stricter, firm, Y)
    assert ev.failed == ["rd_sum"] and text(stricter, ev, "rd_sum")[0] == "近两年研发费用还差 0.01 万元"
    srdi = load_ruleset("srdi-sme-2026")
    firm[Y - 1].update(innovative_sme_title=True, market_leading=True)
    assert evaluate(srdi, firm, Y).result == "pass"


# --------------------------------------------------------------------------------------------------
# Rule sets as data
# --------------------------------------------------------------------------------------------------
def test_every_shipped_rule_set_is_cited():
    assert set(ruleset_names()) >= {
        "tech-sme-2022",
        "hte-2016",
        "innovative-sme-2022",
        "srdi-sme-2022",
        "little-giant-2022",
        "srdi-sme-2026",
        "little-giant-2026",
    }
    for name in ruleset_names():
        rs = load_ruleset(name)
        for c in rs.criteria:
            assert c.cite.number and c.cite.article and c.cite.tag in ("C", "S", "M", "NF"), (name, c.code)
        for p in rs.parameters.values():
            assert p["tag"] in ("C", "S", "M", "NF") and p.get("note")


def test_a_criterion_not_confirmed_may_not_hold_bare_numbers():
    raw = {
        "name": "x",
        "version": "1",
        "title_zh": "x",
        "title_en": "x",
        "documents": {"d": {"number": "N", "title": "T"}},
        "parameters": {},
        "criteria": [
            {
                "code": "a",
                "zh": "a",
                "en": "a",
                "cite": {"doc": "d", "article": "1", "tag": "S"},
                "check": {"value": "total_staff@-1", "op": "<=", "threshold": 500},
            }
        ],
        "result": "a",
    }
    with pytest.raises(RuleSetError, match="bare number 500"):
        parse_ruleset(raw)
    raw["parameters"] = {"max_staff": {"value": 500, "tag": "S", "note": "n"}}
    raw["criteria"][0]["check"]["threshold"] = "$max_staff"
    rs = parse_ruleset(raw, params={"max_staff": 400})
    assert evaluate(rs, {Y - 1: {"total_staff": 450}}, Y).result == "fail"


@pytest.mark.parametrize(
    "change,message",
    [
        (
            {
                "criteria": [
                    {
                        "code": "a",
                        "zh": "a",
                        "en": "a",
                        "cite": {"doc": "d", "article": "1", "tag": "C"},
                        "check": {"value": "no_such_column@-1", "op": ">=", "threshold": 1},
                    }
                ]
            },
            "unknown input",
        ),
        (
            {
                "criteria": [
                    {
                        "code": "a",
                        "zh": "a",
                        "en": "a",
                        "cite": {"doc": "nope", "article": "1", "tag": "C"},
                        "check": {"value": "total_staff@-1", "op": ">=", "threshold": 1},
                    }
                ]
            },
            "unknown document",
        ),
        (
            {
                "criteria": [
                    {
                        "code": "a",
                        "zh": "a",
                        "en": "a",
                        "cite": {"doc": "d", "article": "1", "tag": "C"},
                        "check": {"value": "total_staff@-1", "op": "=>", "threshold": 1},
                    }
                ]
            },
            "unknown operator",
        ),
        ({"result": "b"}, "no earlier check"),
    ],
)
def test_rule_set_validation(change, message):
    raw = {
        "name": "x",
        "version": "1",
        "title_zh": "x",
        "title_en": "x",
        "documents": {"d": {"number": "N", "title": "T"}},
        "criteria": [
            {
                "code": "a",
                "zh": "a",
                "en": "a",
                "cite": {"doc": "d", "article": "1", "tag": "C"},
                "check": {"value": "total_staff@-1", "op": ">=", "threshold": 1},
            }
        ],
        "result": "a",
        **change,
    }
    with pytest.raises(RuleSetError, match=message):
        parse_ruleset(raw)


def test_unknown_parameter_override_is_refused():
    with pytest.raises(RuleSetError):
        load_ruleset("hte-2016", params={"no_such": 1})


# --------------------------------------------------------------------------------------------------
# what-if and the vectorised path
# --------------------------------------------------------------------------------------------------
def test_what_if_re_evaluates_with_changed_inputs():
    flat = {"sales_revenue": 40_000_000, "rd_expense": 1_500_000, "rd_expense_domestic": 1_500_000}
    firm = hte_firm(flat, flat, flat)
    w = what_if(HTE, firm, Y, {"rd_expense@-1": 3_000_000, "rd_expense_domestic@-1": 3_000_000})
    assert w.before.result == "fail" and w.after.result == "pass"
    assert "rd_ratio" in w.changed and "age" not in w.changed
    assert firm[Y - 1]["rd_expense"] == 1_500_000  # the inputs themselves are untouched


def frame_of(firms: dict) -> pl.DataFrame:
    specs = {**STANDARD_INPUTS, **extra_input_catalogue()}
    schema = {"credit_code": pl.Utf8, "year": pl.Int64}
    schema |= {
        k: (pl.Boolean if s.type == "bool" else pl.Date if s.type == "date" else pl.Float64) for k, s in specs.items() if k not in schema
    }
    rows = [
        {"credit_code": code, "year": y, **{k: r.get(k) for k in schema if k not in ("credit_code", "year")}}
        for code, firm in firms.items()
        for y, r in firm.items()
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_vectorised_pass_matches_the_hand_worked_cases():
    flat = {"sales_revenue": 40_000_000, "rd_expense": 1_500_000, "rd_expense_domestic": 1_500_000}
    firms = {"A": hte_firm(), "B": hte_firm(flat, flat, flat), "C": hte_firm(y1={k: None for k in EXPERTS})}
    frame = evaluate_frame(HTE, frame_of(firms), Y)
    assert frame["credit_code"].to_list() == ["A", "B", "C"]
    assert frame["result"].to_list() == [True, False, None]
    assert frame["failed"].to_list() == ["", "rd_ratio", ""]
    assert frame["score_lo"].to_list() == [83, 74, 51]
    assert frame["rd_ratio:gap"][1] == pytest.approx(1_500_000)


def test_several_rule_sets_share_one_pass():
    firms = {"A": hte_firm(), "B": {Y - 1: row(st_staff=5, has_valid_hte=True)}}
    df = frame_of(firms)
    together = evaluate_frames([HTE, SME], df, Y)
    for rs in (HTE, SME):
        assert frame_evaluations(rs, together[rs.name], Y) == frame_evaluations(rs, evaluate_frame(rs, df, Y), Y)
    # A: staff 20% 12 + R&D 3M / 72.9M = 4.1% 30 + class I IP 30 = 72; B: 0 + 50 + 30 = 80, but its S&T
    # staff score is 0, so it passes only through its HTE certificate
    assert together["tech-sme-2022"]["result"].to_list() == [True, True]
    assert together["tech-sme-2022"]["score_lo"].to_list() == [72, 80]


def details_match(rs, frame) -> bool:
    """frame_details gives what a stored run kept through the Evaluation objects, down to the key order."""
    through = [(e.credit_code, e.result, e.score, e.failed, e.detail(rs)) for e in frame_evaluations(rs, frame, Y)]
    return json.dumps(frame_details(rs, frame, Y), default=str) == json.dumps(through, default=str)


def test_stored_details_are_the_evaluations_details():
    flat = {"sales_revenue": 40_000_000, "rd_expense": 1_500_000, "rd_expense_domestic": 1_500_000}
    firms = {"A": hte_firm(), "B": hte_firm(flat, flat, flat), "C": hte_firm(y1={k: None for k in EXPERTS})}
    df = frame_of(firms)
    for name in ruleset_names():
        rs = load_ruleset(name)
        assert details_match(rs, evaluate_frame(rs, df, Y)), name


def test_duplicate_enterprise_years_are_refused():
    df = frame_of({"A": hte_firm()})
    with pytest.raises(ValueError):
        evaluate_frame(HTE, pl.concat([df, df.head(1)]), Y)


SPECS = {k: s for k, s in {**STANDARD_INPUTS, **extra_input_catalogue()}.items() if s.per_year}
MONEY = st.one_of(
    st.none(),
    st.sampled_from([0.0, 50_000_000.0, 50_000_001.0, 200_000_000.0, 1_000_000.0, -1_000_000.0]),
    st.floats(0, 3e8, allow_nan=False).map(round),
)


def value(spec):
    if spec.type == "bool":
        return st.one_of(st.none(), st.booleans())
    if spec.type == "money":
        return MONEY if spec.negative_ok else MONEY.map(lambda v: None if v is None else abs(v))
    if spec.type == "field":
        return st.integers(0, 8)
    if spec.type == "ratio":
        return st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.5]))
    lo, hi = spec.range or (0, 600)
    return st.one_of(st.none(), st.integers(int(lo), int(min(hi, 600))).map(float))


year_row = st.fixed_dictionaries({k: value(s) for k, s in SPECS.items()})
firm_st = st.tuples(
    st.one_of(st.none(), st.dates(dt.date(Y - 5, 1, 1), dt.date(Y, 12, 31))),
    st.dictionaries(st.integers(Y - 4, Y), year_row, max_size=5),
).map(lambda t: {y: {**r, "registered_on": t[0]} for y, r in t[1].items()})


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(firm_st, min_size=1, max_size=6))
def test_scalar_and_vectorised_paths_agree(firms):
    firms = {f"E{i}": f for i, f in enumerate(firms) if f}
    if not firms:
        return
    df = frame_of(firms)
    for name in ruleset_names():
        rs = load_ruleset(name)
        vector = {e.credit_code: e for e in frame_evaluations(rs, evaluate_frame(rs, df, Y), Y)}
        for code, firm in firms.items():
            scalar = evaluate(rs, firm, Y, credit_code=code)
            assert vector[code] == scalar, (name, code)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(firm_st, min_size=1, max_size=6))
def test_stored_details_agree_on_random_firms(firms):
    firms = {f"E{i}": f for i, f in enumerate(firms) if f}
    if not firms:
        return
    df = frame_of(firms)
    for name in ruleset_names():
        rs = load_ruleset(name)
        assert details_match(rs, evaluate_frame(rs, df, Y)), name
