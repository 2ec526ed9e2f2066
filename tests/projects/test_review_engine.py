"""Expert review (pure): the rubric and sheets validated with bilingual reasons per criterion, weighted scores,
aggregation, outlying reviewers, low agreement, Krippendorff's alpha against the published worked example, the
ranking with ties and funding within the budget."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heluo.projects.engine import review as rv
from heluo.projects.engine.rules import review_rules

RUBRIC = rv.parse_rubric(
    {
        "code": "major",
        "criteria": [
            {"code": "novelty", "zh": "创新性", "en": "Novelty", "weight": 40, "scale": [0, 10], "comment_below": 4},
            {"code": "feasibility", "zh": "可行性", "en": "Feasibility", "weight": 30, "scale": [1, 5]},
            {"code": "team", "zh": "团队", "en": "Team", "weight": "30", "scale": [0, 100], "step": 5},
        ],
    }
)


def sheet(novelty=10, feasibility=5, team=100, comment=""):
    marks = {"novelty": rv.Mark(novelty, comment), "feasibility": rv.Mark(feasibility), "team": rv.Mark(team)}
    return rv.Sheet("P1", "R1", marks)


def test_a_rubric_with_every_problem_reported_per_criterion():
    with pytest.raises(rv.RubricError) as caught:
        rv.parse_rubric(
            {
                "criteria": [
                    {"code": "a", "zh": "甲", "en": "A", "weight": 0, "scale": [0, 10]},
                    {"code": "a", "zh": "甲", "en": "A", "weight": 1, "scale": [5, 5]},
                    {"code": "b", "zh": "乙", "weight": 1, "scale": [0, 10], "step": 3},
                    {"code": "c", "zh": "丙", "en": "C", "weight": 1, "scale": [0, 10], "comment_below": 11},
                    {"zh": "丁", "en": "D", "weight": 1, "scale": [0, 10]},
                ]
            }
        )
    fields = [p.field for p in caught.value.problems]
    assert fields == ["a", "a", "a", "b", "b", "c", "#5"]
    assert all(p.zh and p.en for p in caught.value.problems)
    for bad in ({}, {"criteria": []}, {"criteria": [{}] * (rv.MAX_CRITERIA + 1)}):
        with pytest.raises(rv.RubricError):
            rv.parse_rubric(bad)


def test_a_sheet_checked_against_the_rubric():
    assert rv.check_sheet(RUBRIC, sheet()) == []
    problems = rv.check_sheet(RUBRIC, rv.Sheet("P1", "R1", {"novelty": rv.Mark(11), "team": rv.Mark(7), "extra": rv.Mark(1)}))
    assert [p.field for p in problems] == ["extra", "novelty", "feasibility", "team"]
    assert "0到10" in problems[1].zh and "from 0 to 10" in problems[1].en and "步长5" in problems[3].zh
    problems = rv.check_sheet(RUBRIC, sheet(novelty=3))
    assert [p.field for p in problems] == ["novelty"] and "须填写评审意见" in problems[0].zh and "comment" in problems[0].en
    assert rv.check_sheet(RUBRIC, sheet(novelty=3, comment="依据不足")) == []
    assert rv.check_sheet(RUBRIC, sheet(novelty=True)) != [] and rv.check_sheet(RUBRIC, sheet(novelty="x")) != []


def test_the_weighted_score_on_0_to_100():
    assert rv.weighted_score(RUBRIC, sheet()) == 100
    assert rv.weighted_score(RUBRIC, sheet(novelty=4, feasibility=1, team=0)) == pytest.approx(16)  # 40 × 0.4
    assert rv.weighted_score(RUBRIC, sheet(novelty=5, feasibility=3, team=50)) == pytest.approx(50)
    with pytest.raises(rv.RubricError):
        rv.weighted_score(RUBRIC, sheet(novelty=3))


@given(st.integers(0, 10), st.integers(1, 5), st.integers(0, 20))
def test_every_valid_sheet_scores_within_0_and_100(novelty, feasibility, team):
    score = rv.weighted_score(RUBRIC, sheet(novelty, feasibility, team * 5, comment="意见"))
    assert 0 <= score <= 100


def test_aggregation():
    xs = [60, 70, 75, 80, 100]
    assert rv.aggregate(xs, "mean") == 77
    assert rv.aggregate(xs, "median") == 75
    assert rv.aggregate(xs, "trimmed_mean", review_rules().trim_share) == 75  # one dropped at each end
    assert rv.trimmed_mean([1, 2], "0.4") == 1.5 and rv.trimmed_mean([5], "0.4") == 5
    assert rv.trimmed_mean(range(10), Fraction(1, 10)) == 4.5
    with pytest.raises(rv.RuleError):
        rv.aggregate(xs, "mode")
    with pytest.raises(ValueError):
        rv.trimmed_mean(xs, "0.5")
    assert rv.proposal_scores({("P1", "a"): 60, ("P1", "b"): 80, ("P2", "a"): 50}, "mean") == {"P1": 70, "P2": 50}


@given(st.lists(st.floats(0, 100), min_size=1, max_size=15), st.fractions(0, Fraction(49, 100)))
def test_a_trimmed_mean_lies_between_the_extremes(xs, share):
    assert min(xs) - 1e-9 <= rv.trimmed_mean(xs, share) <= max(xs) + 1e-9


def test_an_outlying_reviewer_is_flagged_with_its_direction():
    scores = {}
    for i in range(12):
        for j, r in enumerate(["a", "b", "c", "d", "e", "f"]):
            scores[f"P{i}", r] = 60 + i + (j % 3)
        scores[f"P{i}", "harsh"] = 30 + i
    rules = review_rules()
    flags = {f.reviewer_id: f for f in rv.outlying_reviewers(scores, rules.outlier_z, rules.outlier_min_reviews)}
    assert [r for r, f in flags.items() if f.flagged] == ["harsh"]
    assert flags["harsh"].mean_deviation == pytest.approx(-31.0) and flags["harsh"].z < -rules.outlier_z
    assert "偏低" in flags["harsh"].zh and "lower" in flags["harsh"].en
    few = rv.outlying_reviewers({("P1", "a"): 1, ("P1", "b"): 2}, 2, 3)
    assert not any(f.flagged for f in few) and "不作判断" in few[0].zh


def test_low_agreement_per_proposal():
    flags = rv.low_agreement({("P1", "a"): 40, ("P1", "b"): 75, ("P2", "a"): 70, ("P2", "b"): 80, ("P3", "a"): 1}, 30)
    assert [(f.proposal_id, f.spread, f.flagged) for f in flags] == [("P1", 35, True), ("P2", 10, False)]
    assert "意见分歧" in flags[0].zh and "low agreement" in flags[0].en


KRIPPENDORFF_2011 = {  # "Computing Krippendorff's Alpha-Reliability", the example with missing values
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}


def test_krippendorffs_alpha_on_the_published_example():
    scores = {(u, coder): float(v) for coder, row in KRIPPENDORFF_2011.items() for u, v in enumerate(row.split()) if v != "."}
    assert round(rv.krippendorff_alpha(scores, "nominal"), 3) == 0.743
    assert round(rv.krippendorff_alpha(scores, "interval"), 3) == 0.849


def test_krippendorffs_alpha_computed_by_hand():
    # pairs (1, 2) and (3, 3): D_o = 2/4, D_e = 22/12, α = 1 − 6/22 = 8/11
    assert rv.krippendorff_alpha({("u1", "a"): 1, ("u1", "b"): 2, ("u2", "a"): 3, ("u2", "b"): 3}) == pytest.approx(8 / 11)
    assert rv.krippendorff_alpha({("u1", "a"): 1, ("u2", "b"): 2}) is None  # nothing pairable
    assert rv.krippendorff_alpha({("u1", "a"): 4, ("u1", "b"): 4}) is None  # no variation
    with pytest.raises(ValueError):
        rv.krippendorff_alpha({}, "ratio")


tables = st.dictionaries(st.tuples(st.sampled_from("pqrstu"), st.sampled_from("abcd")), st.integers(0, 100), min_size=2)


@given(tables, st.integers(1, 5), st.integers(-50, 50))
def test_interval_alpha_ignores_a_change_of_unit(scores, scale, shift):
    alpha = rv.krippendorff_alpha(scores)
    moved = rv.krippendorff_alpha({k: v * scale + shift for k, v in scores.items()})
    assert (alpha is None) == (moved is None)
    if alpha is not None:
        assert alpha == pytest.approx(moved, abs=1e-9)


@given(tables)
def test_perfect_agreement_gives_alpha_one(scores):
    per_unit = {u: v for (u, _), v in scores.items()}
    same = {(u, c): per_unit[u] for (u, c) in scores}
    alpha = rv.krippendorff_alpha(same)
    assert alpha is None or alpha == pytest.approx(1)


def test_ranking_with_ties():
    ranking = rv.rank({"P1": 80.004, "P2": 90, "P3": 80.001, "P4": 70, "P5": 80.005})
    assert [(r.proposal_id, r.rank, r.tied) for r in ranking] == [
        ("P2", 1, False),
        ("P5", 2, False),
        ("P1", 3, True),
        ("P3", 3, True),
        ("P4", 5, False),
    ]
    assert ranking[1].score == 80.01  # half up, as shown (round() would give 80.0 for the binary 80.005)


def test_funding_within_the_budget_greedy_by_rank():
    ranking = rv.rank({"P1": 90, "P2": 85, "P3": 80, "P4": 75})
    requests = {"P1": Decimal(50), "P2": Decimal(40), "P3": Decimal(20), "P4": Decimal(10)}
    plan = rv.fund(ranking, requests, Decimal(80), quota_check=lambda funded: ("checked", tuple(funded)))
    assert plan.funded == ["P1", "P3", "P4"] and plan.spent == 80 and plan.remaining == 0
    assert plan.quota == ("checked", ("P1", "P3", "P4"))
    assert "超过剩余预算30元" in plan.decisions[1].zh and "not funded" in plan.decisions[1].en
    with pytest.raises(rv.RuleError):
        rv.fund(ranking, {"P1": Decimal(1)}, Decimal(80))
    with pytest.raises(rv.RuleError):
        rv.fund(ranking, requests, Decimal(-1))


def test_a_tie_split_by_the_budget_goes_to_the_panel():
    plan = rv.fund(rv.rank({"P1": 90, "P2": 80, "P3": 80}), {"P1": Decimal(5), "P2": Decimal(5), "P3": Decimal(5)}, Decimal(10))
    assert [(d.proposal_id, d.funded, d.tie_at_margin) for d in plan.decisions] == [
        ("P1", True, False),
        ("P2", True, True),
        ("P3", False, True),
    ]
    assert "会评确认" in plan.decisions[2].zh


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.tuples(st.integers(0, 100), st.integers(0, 50)), min_size=1), st.integers(0, 200))
def test_funding_never_exceeds_the_budget_and_passes_over_only_what_does_not_fit(items, budget):
    plan = rv.fund(rv.rank({p: s for p, (s, _) in items.items()}), {p: Decimal(a) for p, (_, a) in items.items()}, Decimal(budget))
    assert plan.spent == sum(d.amount for d in plan.decisions if d.funded) <= budget
    left = Decimal(budget)
    for d in plan.decisions:
        assert d.funded == (d.amount <= left)
        left -= d.amount if d.funded else 0
