"""The scoring engine on its own: figures to points (linear, bands, the experts' mean), weights, grades, consequences,
the scheme file's checks; and the shipped scheme file itself."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heluo.carriers.engine import scoring
from heluo.carriers.selectors.schemes import SCHEME_FILE
from heluo.platforms.models import PlatformKind

D = Decimal


def doc(indicators=None, **grades):
    return {
        "grades": [
            {"code": "excellent", "zh": "优秀", "en": "Excellent", "at_least": 85},
            {"code": "good", "zh": "良好", "en": "Good", "at_least": 70},
            {"code": "pass", "zh": "合格", "en": "Pass", "at_least": 60},
            {"code": "fail", "zh": "不合格", "en": "Fail", "at_least": 0},
        ],
        "consequences": {"reward": ["excellent"], "warning": ["fail"], "revoke_below": 40, "revoke_when_warned": True},
        "schemes": {
            "pilot_base": {
                "zh": "中试基地",
                "en": "Pilot base",
                "reward": 500000,
                "indicators": indicators
                or [
                    {"code": "runs", "zh": "中试项目", "en": "runs", "weight": 40, "scoring": {"method": "linear", "zero": 0, "full": 40}},
                    {
                        "code": "income",
                        "zh": "收入",
                        "en": "income",
                        "weight": 30,
                        "scoring": {"method": "bands", "bands": [[0, 0], [100, 40], [300, 100]]},
                    },
                    {"code": "expert_review", "zh": "专家", "en": "experts", "weight": 30, "scoring": {"method": "expert"}},
                ],
            }
        },
    }


def test_points_weights_and_the_grade():
    schemes, rules = scoring.parse(doc())
    s = schemes["pilot_base"]
    assert [i.code for i in s.figures] == ["runs", "income"] and s.needs_experts
    r = scoring.score(s, {"runs": "20", "income": "150"}, [D(80), D(90)], rules)
    # runs 20/40 → 50 points × 0.4 = 20; income ≥100 → 40 points × 0.3 = 12; experts mean 85 × 0.3 = 25.5
    assert r.points == {"runs": D("50.00"), "income": D("40.00"), "expert_review": D("85.00")}
    assert (r.figures_score, r.expert_score, r.total, r.grade) == (D("32.00"), D("25.50"), D("57.50"), "fail")
    top = scoring.score(s, {"runs": 99, "income": 300}, [100], rules)
    assert top.points["runs"] == 100 and top.total == 100 and top.grade == "excellent"  # capped at the full mark
    assert scoring.score(s, {"runs": 0, "income": 99}, [], rules).total == 0  # no marks: the expert part is 0


def test_consequences_have_ins_and_outs():
    _, rules = scoring.parse(doc())
    assert scoring.consequence("excellent", D(90), False, rules) == "reward"
    assert scoring.consequence("good", D(75), False, rules) == "none"
    assert scoring.consequence("fail", D(55), False, rules) == "warning"
    assert scoring.consequence("fail", D(55), True, rules) == "revocation"  # warned last round, failed again
    assert scoring.consequence("fail", D("39.99"), False, rules) == "revocation"  # far below: revoked at once


@pytest.mark.parametrize(
    "indicators, message",
    [
        ([{"code": "a", "zh": "a", "en": "a", "weight": 90, "scoring": {"method": "expert"}}], "add up to 90"),
        ([{"code": "a", "zh": "a", "en": "a", "weight": 100, "scoring": {"method": "magic"}}], "unknown scoring method"),
        ([{"code": "a", "zh": "a", "en": "a", "weight": 100, "scoring": {"method": "linear", "zero": 5, "full": 5}}], "full must be above"),
        (
            [{"code": "a", "zh": "a", "en": "a", "weight": 100, "scoring": {"method": "bands", "bands": [[10, 5], [0, 1]]}}],
            "bands must rise",
        ),
        ([{"code": "a", "zh": "a", "en": "a", "weight": 100}], "not an evaluation scheme"),
    ],
)
def test_impossible_schemes_are_refused(indicators, message):
    with pytest.raises(scoring.SchemeError, match=message):
        scoring.parse(doc(indicators))


def test_every_bad_figure_is_named():
    schemes, _ = scoring.parse(doc())
    problems = scoring.check_figures(schemes["pilot_base"], {"runs": "-1", "other": 3})
    assert [p[0] for p in problems] == ["runs", "income", "other"]
    assert all(p[1] and p[2] for p in problems)


def test_the_shipped_schemes():
    schemes, rules = scoring.load(SCHEME_FILE)
    assert set(schemes) <= set(PlatformKind.values)
    assert {"pilot_base", "industry_research_institute", "key_lab", "incubator", "maker_space"} <= set(schemes)
    assert [g.zh for g in rules.grades] == ["优秀", "良好", "合格", "不合格"]
    assert all(s.is_example and s.source for s in schemes.values())  # labelled examples, with what they follow


@settings(max_examples=30)
@given(
    runs=st.decimals(min_value=0, max_value=1000, places=2),
    income=st.decimals(min_value=0, max_value=5000, places=2),
    marks=st.lists(st.integers(0, 100), max_size=5),
)
def test_scores_are_bounded_and_reproducible(runs, income, marks):
    schemes, rules = scoring.parse(doc())
    figures = {"runs": str(runs), "income": str(income)}
    first = scoring.score(schemes["pilot_base"], figures, marks, rules)
    assert 0 <= first.total <= 100
    assert first == scoring.score(schemes["pilot_base"], dict(figures), list(marks), rules)
