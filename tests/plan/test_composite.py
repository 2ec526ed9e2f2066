"""District composite innovation index (OECD/JRC Handbook 2008): hand-computed scores, ranks, sensitivity.

No database: heluo.plan.engine.composite is plain Python.

The example: four districts, three indicators; x and y higher is better, z lower is better.

        x    y    z        min-max:  x     y     z     mean
    A  10   50    2                  0     1     1     2/3
    B  20   30    4                  1/3   1/2   2/3   1/2
    C  30   10    6                  2/3   0     1/3   1/3
    D  40   40    8                  1     3/4   0     7/12
"""

import math

import pytest

from heluo.plan.engine.composite import (
    IndicatorSpec,
    Method,
    SensitivityConfig,
    competition_ranks,
    compute_index,
    percentile,
    sensitivity,
)

VALUES = {
    "A": {"x": 10, "y": 50, "z": 2},
    "B": {"x": 20, "y": 30, "z": 4},
    "C": {"x": 30, "y": 10, "z": 6},
    "D": {"x": 40, "y": 40, "z": 8},
}
INDICATORS = [IndicatorSpec("x", 1, target=40), IndicatorSpec("y", 1, target=50), IndicatorSpec("z", -1, target=2)]
EQUAL = {"x": 1, "y": 1, "z": 1}
ZONES = {"A": "core", "B": "core", "C": "ring", "D": "ring"}


def scores(result):
    return {d.district: d.score for d in result.districts}


def ranks(result):
    return {d.district: d.rank for d in result.districts}


def test_minmax_arithmetic_by_hand():
    result = compute_index(VALUES, INDICATORS, None, EQUAL)
    assert scores(result) == pytest.approx({"A": 2 / 3, "B": 1 / 2, "C": 1 / 3, "D": 7 / 12})
    assert ranks(result) == {"A": 1, "D": 2, "B": 3, "C": 4}
    assert result.district("B").normalised == pytest.approx({"x": 1 / 3, "y": 1 / 2, "z": 2 / 3})
    assert [d.district for d in result.districts] == ["A", "D", "B", "C"]


def test_zscore_by_hand():
    # Population sd: x √125, y √218.75, z √5. x and z cancel for every district (d·z-scores ±3/√5, ±1/√5).
    result = compute_index(VALUES, INDICATORS, None, EQUAL, Method(normalisation="zscore"))
    sd_y = math.sqrt(218.75)
    expected = {"A": 17.5 / sd_y / 3, "B": -2.5 / sd_y / 3, "C": -22.5 / sd_y / 3, "D": 7.5 / sd_y / 3}
    assert scores(result) == pytest.approx(expected)
    assert result.stats["y"].mean == pytest.approx(32.5) and result.stats["y"].sd == pytest.approx(sd_y)
    assert ranks(result) == {"A": 1, "D": 2, "B": 3, "C": 4}


def test_distance_to_target_by_hand():
    # 1 + d·(x − t)/|t|: x/40; y/50; 2 − z/2.
    result = compute_index(VALUES, INDICATORS, None, EQUAL, Method(normalisation="distance_to_target"))
    assert result.district("D").normalised == pytest.approx({"x": 1.0, "y": 0.8, "z": -2.0})
    assert scores(result) == pytest.approx({"A": 0.75, "B": 1.1 / 3, "C": -0.05 / 3, "D": -0.2 / 3})
    assert ranks(result) == {"A": 1, "B": 2, "C": 3, "D": 4}
    capped = compute_index(VALUES, INDICATORS, None, EQUAL, Method(normalisation="distance_to_target", target_cap=0.9))
    assert capped.district("A").normalised == pytest.approx({"x": 0.25, "y": 0.9, "z": 0.9})


def test_distance_to_target_per_zone_targets():
    specs = [IndicatorSpec("x", 1, target={"core": 20, "ring": 40}), IndicatorSpec("y", 1, target=50), IndicatorSpec("z", -1, target=2)]
    result = compute_index(VALUES, specs, ZONES, EQUAL, Method(normalisation="distance_to_target"))
    assert result.district("B").normalised["x"] == pytest.approx(1.0)  # 20 against the core standard of 20
    assert result.district("D").normalised["x"] == pytest.approx(1.0)  # 40 against the ring standard of 40


def test_distance_to_target_without_target_is_refused():
    with pytest.raises(ValueError, match="target"):
        compute_index(VALUES, [IndicatorSpec("x"), IndicatorSpec("y")], None, {"x": 1, "y": 1}, Method(normalisation="distance_to_target"))


def test_geometric_shifts_to_positive_and_penalises_a_zero():
    result = compute_index(VALUES, INDICATORS, None, EQUAL, Method(aggregation="geometric"))
    assert result.stats["x"].geometric_shift == pytest.approx(0.1)  # min-max minimum 0 → floor 0.1
    a = (0.1 * 1.1 * 1.1) ** (1 / 3)
    b = ((1 / 3 + 0.1) * 0.6 * (2 / 3 + 0.1)) ** (1 / 3)
    c = ((2 / 3 + 0.1) * 0.1 * (1 / 3 + 0.1)) ** (1 / 3)
    d = (1.1 * 0.85 * 0.1) ** (1 / 3)
    assert scores(result) == pytest.approx({"A": a, "B": b, "C": c, "D": d})
    # A's last place on x costs it the lead it has under arithmetic aggregation.
    assert ranks(result) == {"B": 1, "A": 2, "D": 3, "C": 4}


def test_zone_weights_change_ranks():
    weights = {"core": {"x": 1, "y": 1, "z": 1}, "ring": {"x": 2, "y": 1, "z": 1}}
    result = compute_index(VALUES, INDICATORS, ZONES, weights)
    # D: 0.5·1 + 0.25·0.75 + 0.25·0 = 0.6875 overtakes A (2/3); C: 0.5·2/3 + 0.25·1/3 = 5/12.
    assert scores(result) == pytest.approx({"A": 2 / 3, "B": 1 / 2, "C": 5 / 12, "D": 0.6875})
    assert ranks(result) == {"D": 1, "A": 2, "B": 3, "C": 4}
    assert {d.district: d.zone_rank for d in result.districts} == {"A": 1, "B": 2, "D": 1, "C": 2}
    assert result.weights["ring"] == pytest.approx({"x": 0.5, "y": 0.25, "z": 0.25})


def test_a_district_can_recompute_its_own_score():
    result = compute_index(VALUES, INDICATORS, ZONES, {"core": EQUAL, "ring": {"x": 2, "y": 1, "z": 1}})
    d = result.district("D")
    for code, raw in d.raw.items():
        st = result.stats[code]
        expected = (raw - st.minimum) / (st.maximum - st.minimum) if st.direction == 1 else (st.maximum - raw) / (st.maximum - st.minimum)
        assert d.normalised[code] == pytest.approx(expected)
    assert d.score == pytest.approx(sum(d.weights[c] * d.inputs[c] for c in d.inputs))
    assert d.score == pytest.approx(sum(d.contributions.values()))
    dumped = result.to_dict()
    assert dumped["method"]["normalisation"] == "minmax" and dumped["policies"]


def test_ties_share_a_rank():
    assert competition_ranks({"a": 0.5, "b": 0.7, "c": 0.5, "d": 0.1, "e": None}) == {"a": 2, "b": 1, "c": 2, "d": 4, "e": None}
    values = dict(VALUES, E=dict(VALUES["B"]))
    result = compute_index(values, INDICATORS, None, EQUAL)
    assert ranks(result)["B"] == ranks(result)["E"] == 3
    assert ranks(result)["C"] == 5


def test_missing_value_reweights_and_is_reported():
    values = dict(VALUES, B={"x": 20, "y": None, "z": 4})
    result = compute_index(values, INDICATORS, None, EQUAL)
    b = result.district("B")
    assert b.missing == ("y",) and b.coverage == pytest.approx(2 / 3)
    assert b.weights == pytest.approx({"x": 0.5, "z": 0.5})
    assert b.score == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert "y" in b.note_zh and "renormalised" in b.note_en
    # y is normalised over A, C, D only: min 10, max 50
    assert result.district("D").normalised["y"] == pytest.approx(0.75)
    sparse = compute_index(dict(VALUES, B={"x": 20}), INDICATORS, None, EQUAL)
    assert sparse.district("B").score is None and sparse.district("B").rank is None
    assert sparse.districts[-1].district == "B"


def test_constant_indicator_and_input_errors():
    values = {k: dict(v, k=5) for k, v in VALUES.items()}
    result = compute_index(values, INDICATORS + [IndicatorSpec("k")], None, {"x": 1, "k": 1})
    assert all(d.normalised["k"] == 0.5 for d in result.districts)
    with pytest.raises(ValueError, match="planning zone"):
        compute_index(VALUES, INDICATORS, {"A": "core"}, EQUAL)
    with pytest.raises(ValueError, match="no weights"):
        compute_index(VALUES, INDICATORS, ZONES, {"core": EQUAL})
    with pytest.raises(ValueError, match="unknown"):
        compute_index(VALUES, INDICATORS, None, {"q": 1})


# ---------------------------------------------------------------------------------------------------
# Monte Carlo sensitivity
# ---------------------------------------------------------------------------------------------------

ZONE_WEIGHTS = {"core": EQUAL, "ring": {"x": 2, "y": 1, "z": 1}}


def test_monte_carlo_is_deterministic_with_a_seed():
    config = SensitivityConfig(runs=300, seed=42)
    first = sensitivity(VALUES, INDICATORS, ZONES, ZONE_WEIGHTS, config=config)
    second = sensitivity(VALUES, INDICATORS, ZONES, ZONE_WEIGHTS, config=config)
    assert first == second
    assert sum(first.draws.values()) == 300
    assert set(first.normalisations) == {"minmax", "zscore", "distance_to_target"}
    other = sensitivity(VALUES, INDICATORS, ZONES, ZONE_WEIGHTS, config=SensitivityConfig(runs=300, seed=7))
    assert other.draws != first.draws


def test_intervals_contain_the_median():
    result = sensitivity(VALUES, INDICATORS, ZONES, ZONE_WEIGHTS)
    assert result.config.runs == 1000
    for d in result.districts:
        assert d.runs_ranked == 1000
        assert 1 <= d.p05_rank <= d.median_rank <= d.p95_rank <= 4
        assert 1 <= d.zone_p05_rank <= d.zone_median_rank <= d.zone_p95_rank <= 2
    # D leads under the reference method but not robustly: its interval is wide.
    d = result.district("D")
    assert d.rank == 1 and d.p95_rank > d.p05_rank


def test_dominant_district_is_always_first():
    values = dict(VALUES, S={"x": 50, "y": 60, "z": 1})
    result = sensitivity(values, INDICATORS, dict(ZONES, S="ring"), ZONE_WEIGHTS, config=SensitivityConfig(runs=500, seed=3))
    s = result.district("S")
    assert (s.p05_rank, s.median_rank, s.p95_rank) == (1, 1, 1)
    assert (s.zone_p05_rank, s.zone_p95_rank) == (1, 1)


def test_distance_to_target_is_not_drawn_without_targets():
    specs = [IndicatorSpec("x"), IndicatorSpec("y"), IndicatorSpec("z", -1)]
    result = sensitivity(VALUES, specs, None, EQUAL, config=SensitivityConfig(runs=50))
    assert "distance_to_target" not in result.normalisations
    assert result.notes and "distance to target" in result.notes[0][1]


def test_fixed_method_and_weights_give_a_point_interval():
    config = SensitivityConfig(runs=20, vary_weights=False, normalisations=("minmax",), aggregations=("arithmetic",))
    result = sensitivity(VALUES, INDICATORS, None, EQUAL, config=config)
    for d in result.districts:
        assert d.p05_rank == d.median_rank == d.p95_rank == d.rank


def test_percentile_type_7():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([1, 2, 3, 4], 0.05) == pytest.approx(1.15)
    assert percentile([3], 0.95) == 3
