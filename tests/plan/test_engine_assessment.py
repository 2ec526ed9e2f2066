"""The district assessment on a hand-made data matrix. No database: heluo.plan.engine.assessment is plain Python."""

import math

import pytest

from heluo.plan.engine.assessment import AssessmentError, Matrix, Unit, assess_matrix, definition_from_dict, explain, resolve_choices

DEFINITION = {
    "code": "test",
    "version": "1",
    "city": "410300",
    "name_zh": "测试考核",
    "zones": ["core", "outer"],
    "indicators": [
        {"code": "A", "name_zh": "甲", "measure": {"computation": "count"}, "weights": {"core": 2, "outer": 1}},
        {"code": "B", "name_zh": "乙", "direction": -1, "measure": {"annual_sum": "rd_expense"}, "weights": {"core": 1, "outer": 1}},
    ],
    "sensitivity": {"runs": 50, "seed": 7},
}
UNITS = [Unit("d1", "一区", "", "district", "core"), Unit("d2", "二区", "", "district", "core"), Unit("d3", "三县", "", "county", "outer")]
VALUES = {"d1": {"A": 10.0, "B": 5.0}, "d2": {"A": 20.0, "B": 1.0}, "d3": {"A": 0.0, "B": 3.0}}


def definition():
    return definition_from_dict(DEFINITION, computations={"count"})


def test_unknown_computations_and_fields_are_refused():
    with pytest.raises(AssessmentError):
        definition_from_dict(DEFINITION, computations=set())
    bad = {**DEFINITION, "indicators": [{**DEFINITION["indicators"][1], "measure": {"annual_sum": "salary"}}]}
    with pytest.raises(AssessmentError):
        definition_from_dict(bad, computations={"count"})


def test_minmax_scores_and_ranks_by_hand():
    d = definition()
    result = assess_matrix(d, Matrix(2024, UNITS, VALUES, {}, {}), resolve_choices(d, {"runs": 0}))
    scores = {s.district: s for s in result.result.districts}
    # A: (x − 0) / 20; B (lower is better): (5 − x) / 4; core weights 2/3, 1/3; outer 1/2, 1/2
    assert scores["d1"].score == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 0.0)
    assert scores["d2"].score == pytest.approx(2 / 3 * 1.0 + 1 / 3 * 1.0)
    assert scores["d3"].score == pytest.approx(1 / 2 * 0.0 + 1 / 2 * 0.5)
    assert [s.rank for s in (scores["d2"], scores["d1"], scores["d3"])] == [1, 2, 3]
    assert result.sensitivity is None


def test_explain_adds_up_and_monte_carlo_is_seeded():
    d = definition()
    matrix = Matrix(2024, UNITS, VALUES, {}, {})
    data = assess_matrix(d, matrix, resolve_choices(d)).as_dict()
    steps = explain(data, "d1", d)
    assert math.isclose(steps["sum"], steps["score"])
    assert data["sensitivity"] == assess_matrix(d, matrix, resolve_choices(d)).as_dict()["sensitivity"]
