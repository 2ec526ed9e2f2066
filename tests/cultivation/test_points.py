"""Enterprise innovation points (heluo.cultivation.engine.points and points_config): config validation, hand-worked scores, ranks, lists,
the bank list, and properties (points within 0–100; monotone under linear scoring).

No database: the module is plain Python + Polars. Most cases use a small test config (``_cfg``) so every
number can be worked by hand; the shipped example config is checked for shape and labelling.
"""

import copy
import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heluo.cultivation.engine.points import bank_list, score_enterprises
from heluo.cultivation.engine.points_config import INPUTS, PointsConfigError, load_points_config, parse_points_config, points_config_names

Y = 2025  # scoring year; indicators read Y−1 = 2024 (and Y−2 = 2023 for growth)
CITE = {"doc": "t", "article": "test", "tag": "NF"}


def _raw() -> dict:
    """A small config: three stages by revenue, three indicators whose weights differ by stage."""
    return {
        "kind": "innovation_points",
        "name": "test-points",
        "version": "t1",
        "status": "adopted",
        "label_zh": "测试配置",
        "label_en": "Test config",
        "documents": {"t": {"number": "T-1", "title": "测试文件"}},
        "parameters": {"startup_below": {"value": 5000000, "tag": "NF", "note": "test"}},
        "categories": [
            {"code": "tech_innovation", "zh": "技术创新指标", "en": "Technology innovation"},
            {"code": "growth_operation", "zh": "成长经营指标", "en": "Growth and operation"},
            {"code": "auxiliary", "zh": "辅助指标", "en": "Auxiliary"},
        ],
        "stages": {
            "rules": [
                {"code": "startup", "zh": "初创期", "en": "Start-up", "when": ["sales_revenue@-1", "<", "$startup_below"]},
                {"code": "growth", "zh": "成长期", "en": "Growth", "when": ["sales_revenue@-1", "<", 100000000]},
                {"code": "stable", "zh": "稳定期", "en": "Stable"},
            ],
            "if_unknown": None,
            "cite": CITE,
        },
        "indicators": [
            {
                "code": "rd",
                "zh": "研发费用",
                "en": "R&D expense",
                "category": "tech_innovation",
                "input": "rd_expense@-1",
                "scoring": {"linear": {"min": 0, "max": 1000000}},
                "higher_is_better": True,
                "weights": {"startup": 50, "growth": 40, "stable": 30},
                "cite": CITE,
            },
            {
                "code": "pat",
                "zh": "Ⅰ类知识产权",
                "en": "Class I IP",
                "category": "growth_operation",
                "input": "ip_class1@-1",
                "scoring": {"percentile": {"nonpositive_zero": False}},
                "higher_is_better": True,
                "weights": {"startup": 30, "growth": 40, "stable": 50},
                "cite": CITE,
            },
            {
                "code": "hte",
                "zh": "高企",
                "en": "HTE",
                "category": "auxiliary",
                "input": "has_valid_hte@-1",
                "scoring": {"bands": [["==", 1, 100]], "else": 0},
                "higher_is_better": True,
                "weights": {"startup": 20, "growth": 20, "stable": 20},
                "cite": CITE,
            },
        ],
        "rank_lists": {
            "scope": "stage",
            "count_rounding": "floor",
            "cite": CITE,
            "lists": [
                {"code": "leading", "zh": "创新领跑榜", "en": "Leaders", "top_share": 0.05},
                {"code": "competing", "zh": "创新竞跑榜", "en": "Contenders", "top_share": 0.10},
                {"code": "striving", "zh": "创新进取榜", "en": "Strivers", "top_share": 0.20},
            ],
        },
        "bank": {
            "shared_fields": ["organization_id", "stage", "total_points", "rank_stage", "label"],
            "rank_basis": "stage",
            "min_points": None,
            "top_share": None,
        },
    }


def _cfg(mutate=None, params=None):
    raw = _raw()
    if mutate:
        mutate(raw)
    return parse_points_config(raw, params)


def _frame(rows: list[dict], year: int = Y - 1) -> pl.DataFrame:
    """Rows of accounting year Y−1 by default; a row may carry its own ``year``."""
    schema = {
        "organization_id": pl.Int64,
        "year": pl.Int64,
        "sales_revenue": pl.Float64,
        "rd_expense": pl.Float64,
        "ip_class1": pl.Float64,
        "has_valid_hte": pl.Boolean,
    }
    full = [{"year": year, **r} for r in rows]
    cols = {k for r in full for k in r}
    return pl.DataFrame(full, schema={k: v for k, v in schema.items() if k in cols}, strict=False)


def _by_org(scored: pl.DataFrame) -> dict:
    return {r["organization_id"]: r for r in scored.to_dicts()}


# --------------------------------------------------------------------------------------------------
# The shipped example
# --------------------------------------------------------------------------------------------------


def test_example_config_is_complete_and_labelled_as_example():
    cfg = load_points_config("innovation-points-example")
    assert "innovation-points-example" in points_config_names()
    assert cfg.is_example and "示例" in cfg.label_zh and "EXAMPLE" in cfg.label_en
    assert "NF" in cfg.label_en and "§3.3" in cfg.label_zh
    assert [c.code for c in cfg.categories] == ["tech_innovation", "growth_operation", "auxiliary"]
    assert [(s.code, s.zh) for s in cfg.stages] == [("startup", "初创期"), ("growth", "成长期"), ("stable", "稳定期")]
    assert 12 <= len(cfg.indicators) <= 18
    for stage, cats in cfg.category_weights().items():
        assert sum(cats.values()) == pytest.approx(100), stage
    # Not official values: every indicator is cited with the NF tag.
    assert {c.tag for i in cfg.indicators for c in i.cites} == {"NF"}
    assert [x.zh for x in cfg.rank_lists] == ["创新领跑榜", "创新竞跑榜", "创新进取榜"]
    assert "total_points" in cfg.bank.shared_fields
    assert not any(f.startswith("value:") for f in cfg.bank.shared_fields)  # no raw financials by default


def test_example_parameters_can_be_overridden():
    cfg = load_points_config("innovation-points-example", params={"share_leading": 0.02})
    assert cfg.rank_lists[0].top_share == 0.02
    with pytest.raises(PointsConfigError, match="no such parameter"):
        load_points_config("innovation-points-example", params={"nope": 1})
    with pytest.raises(PointsConfigError, match="must stay a"):
        load_points_config("innovation-points-example", params={"share_leading": "5%"})


def test_example_age_rule_at_the_edge():
    """初创期 also for firms with fewer than 3 whole years on 31 Dec of Y−1, whatever the revenue."""
    cfg = load_points_config("innovation-points-example")
    rows = [
        {"organization_id": 1, "sales_revenue": 2e8, "registered_on": dt.date(2022, 12, 31)},  # 3 years on 2025-12-31
        {"organization_id": 2, "sales_revenue": 2e8, "registered_on": dt.date(2023, 1, 1)},  # 2 years
        {"organization_id": 3, "sales_revenue": None, "registered_on": dt.date(2010, 1, 1)},  # revenue unknown → if_unknown
    ]
    frame = pl.DataFrame([{"year": 2025, **r} for r in rows])
    stages = {r["organization_id"]: r["stage"] for r in score_enterprises(frame, 2026, cfg).to_dicts()}
    assert stages == {1: "stable", 2: "startup", 3: "startup"}
    # registered_on may also be text (YYYY-MM-DD)
    text = frame.with_columns(pl.col("registered_on").cast(pl.String))
    assert {r["organization_id"]: r["stage"] for r in score_enterprises(text, 2026, cfg).to_dicts()} == stages


def test_example_scores_a_plausible_enterprise():
    cfg = load_points_config("innovation-points-example")
    frame = pl.DataFrame(
        [
            {"organization_id": 7, "year": 2023, "sales_revenue": 8e6, "rd_expense": 4e5, "total_staff": 40.0, "st_staff": 8.0},
            {
                "organization_id": 7,
                "year": 2024,
                "sales_revenue": 1e7,
                "rd_expense": 6e5,
                "total_staff": 50.0,
                "st_staff": 10.0,
                "ip_class1": 2.0,
                "ip_class2": 4.0,
                "has_valid_hte": True,
                "registered_on": dt.date(2015, 6, 1),
            },
        ]
    )
    row = score_enterprises(frame, Y, cfg).row(0, named=True)
    ind = row["indicators"]
    assert row["stage"] == "growth" and row["stage_zh"] == "成长期"
    assert ind["rd_intensity"]["value"] == pytest.approx(0.06) and ind["rd_intensity"]["points"] == pytest.approx(0.6 * 9)
    assert ind["st_staff_share"]["points"] == pytest.approx(0.2 / 0.3 * 6)
    assert ind["ip_class1"]["points"] == pytest.approx(0.7 * 10)  # band ≥ 2 → 70 %
    assert ind["revenue_growth"]["value"] == pytest.approx(0.25) and ind["revenue_growth"]["points"] == pytest.approx(5)
    assert ind["hte"]["points"] == 6 and ind["tech_sme"]["value"] is None  # column absent: unknown
    assert set(row["missing_indicators"]) == {"tech_contract_turnover", "net_profit_growth", "net_margin", "equity_financing", "tech_sme"}
    assert row["config_version"] == cfg.version and row["config_name"] == "innovation-points-example"


# --------------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------------


def test_stage_assignment_at_band_edges():
    cfg = _cfg()
    frame = _frame(
        [
            {"organization_id": 1, "sales_revenue": 4999999.99},
            {"organization_id": 2, "sales_revenue": 5000000},  # bound belongs to the next stage ("<" keeps it out)
            {"organization_id": 3, "sales_revenue": 99999999.99},
            {"organization_id": 4, "sales_revenue": 100000000},
            {"organization_id": 5, "sales_revenue": 0},
            {"organization_id": 6, "sales_revenue": None},
        ]
    )
    got = _by_org(score_enterprises(frame, Y, cfg))
    assert {k: v["stage"] for k, v in got.items()} == {1: "startup", 2: "growth", 3: "growth", 4: "stable", 5: "startup", 6: None}
    assert got[2]["stage_zh"] == "成长期" and got[4]["stage_en"] == "Stable"


def test_stage_unknown_leaves_enterprise_unscored_or_uses_fallback():
    frame = _frame(
        [{"organization_id": 1, "sales_revenue": None, "rd_expense": 1e6}, {"organization_id": 2, "sales_revenue": 1e6, "rd_expense": 0}]
    )
    out = score_enterprises(frame, Y, _cfg())
    row = _by_org(out)[1]
    assert row["stage"] is None and row["total_points"] is None and row["rank_overall"] is None and row["label"] is None
    assert out["organization_id"].to_list() == [2, 1]  # unscored rows come last

    def fallback(raw):
        raw["stages"]["if_unknown"] = "growth"

    row = _by_org(score_enterprises(frame, Y, _cfg(fallback)))[1]
    assert row["stage"] == "growth" and row["total_points"] == 40.0


def test_stage_parameter_override_moves_the_edge():
    frame = _frame([{"organization_id": 1, "sales_revenue": 6e6}])
    assert score_enterprises(frame, Y, _cfg())["stage"].to_list() == ["growth"]
    assert score_enterprises(frame, Y, _cfg(params={"startup_below": 1e7}))["stage"].to_list() == ["startup"]


# --------------------------------------------------------------------------------------------------
# Scoring functions, weights, missing values
# --------------------------------------------------------------------------------------------------


def test_linear_scoring_capped_and_weighted_by_stage():
    frame = _frame(
        [
            {"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 250000},  # startup: 0.25 × 50
            {"organization_id": 2, "sales_revenue": 1e7, "rd_expense": 250000},  # growth:  0.25 × 40
            {"organization_id": 3, "sales_revenue": 1e9, "rd_expense": 250000},  # stable:  0.25 × 30
            {"organization_id": 4, "sales_revenue": 1e6, "rd_expense": 5e6},  # above max: capped at 50
            {"organization_id": 5, "sales_revenue": 1e6, "rd_expense": -1},  # below min: 0
        ]
    )
    got = _by_org(score_enterprises(frame, Y, _cfg()))
    assert [got[i]["indicators"]["rd"]["points"] for i in range(1, 6)] == [12.5, 10.0, 7.5, 50.0, 0.0]
    assert got[1]["indicators"]["rd"] == {"value": 250000.0, "score": 0.25, "weight": 50.0, "points": 12.5}
    assert got[1]["points_tech_innovation"] == 12.5


def test_linear_lower_is_better():
    def lower(raw):
        raw["indicators"][0]["higher_is_better"] = False

    frame = _frame(
        [{"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 250000}, {"organization_id": 2, "sales_revenue": 1e6, "rd_expense": 0}]
    )
    got = _by_org(score_enterprises(frame, Y, _cfg(lower)))
    assert got[1]["indicators"]["rd"]["points"] == 37.5 and got[2]["indicators"]["rd"]["points"] == 50


def test_percentile_is_cume_dist_within_the_stage_cohort():
    """Score = share of the stage cohort whose value is ≤ v (ties share the higher score)."""
    frame = _frame(
        [
            {"organization_id": 1, "sales_revenue": 1e6, "ip_class1": 0},
            {"organization_id": 2, "sales_revenue": 1e6, "ip_class1": 1},
            {"organization_id": 3, "sales_revenue": 1e6, "ip_class1": 1},
            {"organization_id": 4, "sales_revenue": 1e6, "ip_class1": 3},
            {"organization_id": 5, "sales_revenue": 1e6, "ip_class1": None},  # not in the cohort, 0 points
            {"organization_id": 6, "sales_revenue": 1e9, "ip_class1": 1},  # alone in its stage: 1
        ]
    )
    got = _by_org(score_enterprises(frame, Y, _cfg()))
    assert {k: v["indicators"]["pat"]["score"] for k, v in got.items()} == {1: 0.25, 2: 0.75, 3: 0.75, 4: 1.0, 5: 0.0, 6: 1.0}
    assert got[2]["indicators"]["pat"]["points"] == 22.5 and got[6]["indicators"]["pat"]["points"] == 50

    def npz(raw):
        raw["indicators"][1]["scoring"]["percentile"]["nonpositive_zero"] = True

    got = _by_org(score_enterprises(frame, Y, _cfg(npz)))
    # 0 leaves the cohort: n = 3 among {1, 1, 3}
    assert {k: v["indicators"]["pat"]["score"] for k, v in got.items() if k <= 4} == pytest.approx({1: 0.0, 2: 2 / 3, 3: 2 / 3, 4: 1.0})


def test_percentile_lower_is_better():
    def lower(raw):
        raw["indicators"][1]["higher_is_better"] = False

    frame = _frame([{"organization_id": i, "sales_revenue": 1e6, "ip_class1": v} for i, v in ((1, 1), (2, 2), (3, 4))])
    got = _by_org(score_enterprises(frame, Y, _cfg(lower)))
    assert [got[i]["indicators"]["pat"]["score"] for i in (1, 2, 3)] == pytest.approx([1.0, 2 / 3, 1 / 3])


def test_bands_first_row_that_holds():
    def bands(raw):
        raw["indicators"][1]["scoring"] = {"bands": [[">=", 5, 100], [">=", 3, 80], [">=", 1, 60]], "else": 10}

    frame = _frame([{"organization_id": i, "sales_revenue": 1e6, "ip_class1": v} for i, v in enumerate([0, 1, 2.9, 3, 5, 9, None])])
    got = _by_org(score_enterprises(frame, Y, _cfg(bands)))
    assert [got[i]["indicators"]["pat"]["score"] for i in range(7)] == pytest.approx([0.1, 0.6, 0.6, 0.8, 1.0, 1.0, 0.0])


def test_missing_values_score_zero_and_are_listed():
    frame = _frame(
        [
            {"organization_id": 1, "sales_revenue": 1e6, "rd_expense": None, "has_valid_hte": None},
            {"organization_id": 2, "sales_revenue": 1e6, "rd_expense": float("nan"), "has_valid_hte": True},
        ]
    )
    assert "ip_class1" not in frame.columns  # so class I IP is unknown for everyone
    got = _by_org(score_enterprises(frame, Y, _cfg()))
    assert got[1]["total_points"] == 0.0 and got[1]["missing_indicators"] == ["rd", "pat", "hte"]
    assert got[2]["total_points"] == 20.0 and got[2]["missing_indicators"] == ["rd", "pat"]  # NaN is unknown
    assert got[1]["indicators"]["rd"] == {"value": None, "score": 0.0, "weight": 50.0, "points": 0.0}


def test_no_row_for_the_year_read_means_unknown():
    frame = _frame([{"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 1e6}], year=Y - 2)  # only Y−2
    row = score_enterprises(frame, Y, _cfg()).row(0, named=True)
    assert row["stage"] is None and row["total_points"] is None


def test_ratio_and_growth_edges():
    def values(raw):
        raw["indicators"][0]["input"] = {"ratio": ["rd_expense@-1", "sales_revenue@-1"]}
        raw["indicators"][0]["scoring"] = {"linear": {"min": 0, "max": 0.1}}
        raw["indicators"][1]["input"] = {"growth": "sales_revenue", "from": -2, "to": -1}
        raw["indicators"][1]["scoring"] = {"linear": {"min": -1, "max": 1}}

    rows = [
        {"organization_id": 1, "year": Y - 2, "sales_revenue": -2e6},
        {"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 5e4},
        {"organization_id": 2, "year": Y - 2, "sales_revenue": 0},
        {"organization_id": 2, "sales_revenue": 0, "rd_expense": 5e4},
    ]
    got = _by_org(score_enterprises(_frame(rows), Y, _cfg(values)))
    assert got[1]["indicators"]["rd"]["value"] == pytest.approx(0.05)
    assert got[1]["indicators"]["pat"]["value"] == pytest.approx(1.5)  # (1 − (−2)) / |−2|
    assert got[2]["indicators"]["rd"]["value"] is None  # denominator 0
    assert got[2]["indicators"]["pat"]["value"] is None  # growth from 0
    assert got[2]["missing_indicators"] == ["rd", "pat", "hte"]


def test_annualised_growth():
    def values(raw):
        raw["indicators"][0]["input"] = {"growth": "rd_expense", "from": -3, "to": -1, "annualised": True}

    rows = [{"organization_id": 1, "year": Y - 3, "rd_expense": 100.0}, {"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 144.0}]
    row = score_enterprises(_frame(rows), Y, _cfg(values)).row(0, named=True)
    assert row["indicators"]["rd"]["value"] == pytest.approx(0.2)


def test_two_rows_for_one_enterprise_and_year_are_refused():
    frame = _frame([{"organization_id": 1, "sales_revenue": 1e6}, {"organization_id": 1, "sales_revenue": 2e6}])
    with pytest.raises(ValueError, match="several rows for one enterprise and year"):
        score_enterprises(frame, Y, _cfg())


def test_total_is_rounded_and_recomputable():
    frame = _frame([{"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 1e6 / 3, "ip_class1": 1, "has_valid_hte": True}])
    row = score_enterprises(frame, Y, _cfg()).row(0, named=True)
    # 50/3 + 30 + 20 = 66.666… → 66.67
    assert row["total_points"] == 66.67 and row["points_tech_innovation"] == 16.67
    assert row["points_growth_operation"] == 30 and row["points_auxiliary"] == 20
    assert row["total_points"] == round(sum(v["points"] for v in row["indicators"].values()), 2)


# --------------------------------------------------------------------------------------------------
# Ranks and lists
# --------------------------------------------------------------------------------------------------


def test_ties_share_the_best_rank_and_order_by_id():
    frame = _frame(
        [
            {"organization_id": 9, "sales_revenue": 1e6, "rd_expense": 5e5},  # 25 points
            {"organization_id": 3, "sales_revenue": 1e6, "rd_expense": 5e5},  # 25 points
            {"organization_id": 5, "sales_revenue": 1e6, "rd_expense": 1e6},  # 50 points
            {"organization_id": 4, "sales_revenue": 1e6, "rd_expense": 1e5},  # 5 points
            {"organization_id": 7, "sales_revenue": 1e7, "rd_expense": 1e6},  # growth stage, 40 points
        ]
    )
    out = score_enterprises(frame, Y, _cfg())
    assert out.select("organization_id", "total_points", "rank_overall", "rank_stage", "stage_size").rows() == [
        (5, 50.0, 1, 1, 4),
        (7, 40.0, 2, 1, 1),
        (3, 25.0, 3, 2, 4),
        (9, 25.0, 3, 2, 4),
        (4, 5.0, 5, 4, 4),
    ]
    assert out["overall_size"].unique().to_list() == [5]
    # deterministic whatever the input order
    again = score_enterprises(frame.reverse(), Y, _cfg())
    assert again.drop("indicators").equals(out.drop("indicators"))


def test_ties_are_judged_on_the_rounded_total():
    frame = _frame(
        [
            {"organization_id": 1, "sales_revenue": 1e6, "rd_expense": 100000.0},
            {"organization_id": 2, "sales_revenue": 1e6, "rd_expense": 100000.01},
        ]
    )  # 5.0 vs 5.0000005
    assert score_enterprises(frame, Y, _cfg())["rank_overall"].to_list() == [1, 1]


def _twenty(start=1, n=20, sales=1e6):
    return [{"organization_id": start + i, "sales_revenue": sales, "rd_expense": 1e6 - i * 10000} for i in range(n)]


def test_lists_floor_of_share_times_cohort():
    out = score_enterprises(_frame(_twenty()), Y, _cfg())
    labels = dict(out.select("rank_stage", "label").rows())
    # 20 firms: floor(1) leading, floor(2) competing, floor(4) striving
    assert [labels[r] for r in range(1, 7)] == ["leading", "competing", "striving", "striving", None, None]
    assert out.filter(pl.col("rank_stage") == 1)["label_zh"].to_list() == ["创新领跑榜"]
    # 10 firms with floor: no leader (0.5 → 0), rank 1 competing, rank 2 striving
    out = score_enterprises(_frame(_twenty(n=10)), Y, _cfg())
    assert dict(out.select("rank_stage", "label").rows())[1] == "competing"


def test_lists_ceil_ties_at_the_cut_and_min_points():
    def ceil(raw):
        raw["rank_lists"]["count_rounding"] = "ceil"

    rows = _twenty(n=10)
    rows[1]["rd_expense"] = rows[0]["rd_expense"]  # ranks 1, 1, 3, …
    # 10 firms, ceil: leading ceil(0.5) = 1, competing ceil(1) = 1, striving ceil(2) = 2
    got = score_enterprises(_frame(rows), Y, _cfg(ceil)).select("rank_stage", "total_points", "label").rows()
    assert got[:3] == [(1, 50.0, "leading"), (1, 50.0, "leading"), (3, 49.0, None)]  # both tied firms stay in
    assert [r[2] for r in got[3:]] == [None] * 7

    def min_points(raw):
        ceil(raw)
        raw["rank_lists"]["lists"][0]["min_points"] = 60  # nobody reaches 60: the leaders fall to the next list

    got = score_enterprises(_frame(rows), Y, _cfg(min_points))["label"].to_list()
    assert got[:3] == ["competing", "competing", None]


def test_lists_overall_scope():
    def scope_overall(raw):
        raw["rank_lists"]["scope"] = "overall"

    # 10 start-ups (50, 49.5, …) and 10 stable firms (30, 29.7, …): 20 firms ranked together
    rows = _twenty(n=10) + _twenty(start=100, n=10, sales=1e9)
    out = score_enterprises(_frame(rows), Y, _cfg(scope_overall))
    assert out.filter(pl.col("label").is_not_null()).select("organization_id", "label").rows() == [
        (1, "leading"),
        (2, "competing"),
        (3, "striving"),
        (4, "striving"),
    ]


# --------------------------------------------------------------------------------------------------
# Bank list
# --------------------------------------------------------------------------------------------------


def test_bank_list_shares_only_configured_fields():
    cfg = _cfg()
    scored = score_enterprises(_frame(_twenty() + [{"organization_id": 99, "sales_revenue": None}]), Y, cfg)
    out = bank_list(scored, cfg)
    assert out.columns == ["organization_id", "stage", "total_points", "rank_stage", "label"]
    assert out.height == 20 and 99 not in out["organization_id"].to_list()  # unscored firms are not sent
    assert out["organization_id"].to_list()[:3] == [1, 2, 3]
    assert bank_list(scored, cfg, min_points=45)["total_points"].to_list() == [50 - 0.5 * i for i in range(11)]
    assert bank_list(scored, cfg, top_share=0.2)["rank_stage"].to_list() == [1, 2, 3, 4]
    assert bank_list(scored, cfg, stages=["growth"]).height == 0
    with pytest.raises(ValueError, match="unknown stages"):
        bank_list(scored, cfg, stages=["seed"])
    with pytest.raises(ValueError, match="top_share"):
        bank_list(scored, cfg, top_share=1.5)


def test_bank_list_defaults_and_explicit_indicator_values():
    def share(raw):
        raw["bank"].update(top_share=0.1, min_points=None, shared_fields=["organization_id", "total_points", "value:rd", "points:rd"])

    cfg = _cfg(share)
    scored = score_enterprises(_frame(_twenty()), Y, cfg)
    out = bank_list(scored, cfg)
    assert out.columns == ["organization_id", "total_points", "value_rd", "points_rd"]
    assert out.rows() == [(1, 50.0, 1e6, 50.0), (2, 49.5, 990000.0, 49.5)]


def test_bank_list_refuses_scores_of_another_version():
    scored = score_enterprises(_frame(_twenty(n=3)), Y, _cfg())

    def bump(raw):
        raw["version"] = "t2"

    with pytest.raises(ValueError, match="another config version"):
        bank_list(scored, _cfg(bump))


# --------------------------------------------------------------------------------------------------
# Config validation
# --------------------------------------------------------------------------------------------------


def _error(mutate) -> PointsConfigError:
    with pytest.raises(PointsConfigError) as e:
        _cfg(mutate)
    return e.value


def test_weights_must_sum_to_100_per_stage():
    def bad(raw):
        raw["indicators"][0]["weights"]["growth"] = 35

    err = _error(bad)
    assert err.field == "indicators[*].weights.growth"
    assert "95" in err.zh and "须为 100" in err.zh and "sum to 95, not 100" in err.en
    assert str(err).startswith("test-points: indicators[*].weights.growth: ")


def test_weight_for_every_stage():
    def bad(raw):
        del raw["indicators"][2]["weights"]["stable"]

    assert _error(bad).field == "indicators[hte].weights"


def test_unknown_input():
    def bad(raw):
        raw["indicators"][0]["input"] = "rd_spend@-1"

    err = _error(bad)
    assert err.field == "indicators[rd].input" and "未知输入" in err.zh and "unknown input 'rd_spend'" in err.en

    def nested(raw):
        raw["indicators"][0]["input"] = {"ratio": ["rd_expense@-1", "turnover@-1"]}

    assert _error(nested).field == "indicators[rd].input.ratio[1]"

    def no_year(raw):
        raw["indicators"][0]["input"] = "rd_expense"

    assert "column@offset" in _error(no_year).en

    def extra(raw):  # an input a config declares becomes known
        raw["extra_inputs"] = {"rd_spend": {"type": "money", "zh": "研发支出", "en": "R&D spend"}}
        raw["indicators"][0]["input"] = "rd_spend@-1"

    assert _cfg(extra).indicators[0].input["col"] == "rd_spend"


def test_unknown_category():
    def bad(raw):
        raw["indicators"][1]["category"] = "innovation_output"

    err = _error(bad)
    assert err.field == "indicators[pat].category" and "未知的一级指标" in err.zh and "unknown category" in err.en


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda r: r.update(kind="rd_incentives"), "kind"),
        (lambda r: r.update(status="example"), "label_zh/label_en"),  # an example must say so
        (lambda r: r["stages"]["rules"][2].update(when=["sales_revenue@-1", ">", 0]), "stages.rules[2].when"),
        (lambda r: r["stages"]["rules"][0].update(when=["sales_revenue@-1", "<", "$nope"]), "stages.rules[0].when[2]"),
        (lambda r: r["stages"].update(if_unknown="seed"), "stages.if_unknown"),
        (lambda r: r["indicators"][0]["scoring"].update(linear={"min": 5, "max": 5}), "indicators[rd].scoring.linear"),
        (lambda r: r["indicators"][0].update(scoring={"zscore": {}}), "indicators[rd].scoring"),
        (lambda r: r["indicators"][1].update(code="rd"), "indicators[1].code"),
        (lambda r: r["indicators"][0].update(cite={"doc": "x", "article": "a", "tag": "NF"}), "indicators[rd].cite.doc"),
        (lambda r: r["indicators"][0].update(cite={"doc": "t", "article": "a", "tag": "X"}), "indicators[rd].cite.tag"),
        (lambda r: r["indicators"][2]["scoring"].update(bands=[["==", 1, 120]]), "indicators[hte].scoring.bands[0]"),
        (lambda r: r["indicators"][0].update(input={"ratio": ["has_valid_hte@-1", "sales_revenue@-1"]}), "indicators[rd].input.ratio[0]"),
        (lambda r: r["rank_lists"]["lists"][1].update(top_share=0.01), "rank_lists.lists[1].top_share"),
        (lambda r: r["bank"].update(shared_fields=["organization_id", "indicators"]), "bank.shared_fields[1]"),
        (lambda r: r["bank"].update(shared_fields=["stage"]), "bank.shared_fields"),
    ],
)
def test_config_errors_name_the_field(mutate, field):
    err = _error(mutate)
    assert err.field == field
    assert err.zh and err.en and err.zh != err.en


def test_unknown_config_name():
    with pytest.raises(PointsConfigError, match="no innovation-points config"):
        load_points_config("../rulesets/hte-2016")


def test_parse_does_not_change_its_argument():
    raw = _raw()
    before = copy.deepcopy(raw)
    parse_points_config(raw, {"startup_below": 1})
    assert raw == before


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

# Mostly values on the scale of the bounds (so scores move), sometimes far out or unknown.
_money = st.one_of(
    st.none(), st.floats(min_value=-1e6, max_value=2e6, allow_nan=False), st.floats(min_value=-1e7, max_value=1e10, allow_nan=False)
)
_count = st.one_of(st.none(), st.integers(min_value=0, max_value=25).map(float), st.integers(min_value=0, max_value=500).map(float))
_flag = st.one_of(st.none(), st.booleans())
_COLUMNS = {
    "sales_revenue": _money,
    "total_income": _money,
    "rd_expense": _money,
    "net_profit": _money,
    "equity_financing": _money,
    "tech_contract_turnover": _money,
    "total_staff": _count,
    "st_staff": _count,
    "ip_class1": _count,
    "ip_class2": _count,
    "has_valid_hte": _flag,
    "is_tech_sme": _flag,
}


@st.composite
def _registry(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for org in range(1, n + 1):
        reg = draw(st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2024, 12, 31))))
        for year in (Y - 2, Y - 1):
            rows.append({"organization_id": org, "year": year, "registered_on": reg, **{c: draw(s) for c, s in _COLUMNS.items()}})
    schema = {
        "organization_id": pl.Int64,
        "year": pl.Int64,
        "registered_on": pl.Date,
        **{c: (pl.Boolean if INPUTS[c][0] == "bool" else pl.Float64) for c in _COLUMNS},
    }
    return pl.DataFrame(rows, schema=schema)


EXAMPLE = load_points_config("innovation-points-example")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_registry())
def test_points_are_within_0_and_100(frame):
    out = score_enterprises(frame, Y, EXAMPLE)
    assert out.height == frame["organization_id"].n_unique()
    for row in out.to_dicts():
        assert row["stage"] is not None  # the example's if_unknown places every firm
        assert 0 <= row["total_points"] <= 100
        assert row["total_points"] == round(row["total_points"], 2)
        for c in EXAMPLE.categories:
            assert 0 <= row[f"points_{c.code}"] <= 100
        for code, ind in row["indicators"].items():
            assert 0 <= ind["score"] <= 1 and 0 <= ind["points"] <= ind["weight"] + 1e-9, code
        assert 1 <= row["rank_stage"] <= row["stage_size"] and 1 <= row["rank_overall"] <= row["overall_size"]
        assert math.isclose(row["total_points"], sum(i["points"] for i in row["indicators"].values()), abs_tol=0.005 + 1e-9)


def _linear_raw():
    raw = _raw()
    raw["indicators"][1].update(scoring={"linear": {"min": 0, "max": 10}})
    raw["indicators"][2].update(input="ip_class2@-1", scoring={"linear": {"min": 0, "max": 20}}, category="auxiliary")
    return raw


LINEAR = parse_points_config(_linear_raw())


_SCALE = {"rd_expense": ("rd", 1e6), "ip_class1": ("pat", 10), "ip_class2": ("hte", 20)}  # column → (indicator, max bound)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_registry(), st.sampled_from(sorted(_SCALE)), st.floats(min_value=0, max_value=1.5), st.data())
def test_raising_a_higher_is_better_input_never_lowers_points(frame, column, fraction, data):
    """Linear scoring: more R&D / IP never costs points (the stage, read from revenue, stays the same).

    The rise is a fraction of the indicator's linear range, so it moves the score rather than vanishing in the
    rounding; the indicator's unrounded points are compared as well as the rounded total.
    """
    code, scale = _SCALE[column]
    org = data.draw(st.sampled_from(sorted(frame["organization_id"].unique().to_list())))
    target = (pl.col("organization_id") == org) & (pl.col("year") == Y - 1)
    rise = pl.col(column).fill_null(0) + fraction * scale  # unknown → known: 0 points can only grow
    raised = frame.with_columns(pl.when(target).then(rise).otherwise(pl.col(column)).alias(column))
    before = _by_org(score_enterprises(frame, Y, LINEAR))[org]
    after = _by_org(score_enterprises(raised, Y, LINEAR))[org]
    if before["stage"] is None:
        assert after["stage"] is None
        return
    assert after["stage"] == before["stage"]
    assert after["indicators"][code]["points"] >= before["indicators"][code]["points"]
    assert after["total_points"] >= before["total_points"]
