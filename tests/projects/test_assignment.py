"""The exact reviewer assignment against brute force on small instances, and its refusals. No database:
heluo.projects.engine.assignment is plain Python."""

import itertools
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heluo.projects.engine.assignment import AssignmentError, Infeasible, assign


def brute_force(scores, proposals, reviewers, k, lo, hi, conflicts=(), groups=None):
    """The best total (in thousandths) over every assignment, or None when there is none."""
    eligible = {p: [r for r in reviewers if (p, r) in scores and (p, r) not in conflicts] for p in proposals}
    best = None
    for choice in itertools.product(*(itertools.combinations(eligible[p], k) for p in proposals)):
        loads = {r: 0 for r in reviewers}
        for chosen in choice:
            for r in chosen:
                loads[r] += 1
        if not all(lo <= n <= hi for n in loads.values()):
            continue
        if groups and any(len({groups.get(r, r) for r in chosen}) < k for chosen in choice):
            continue
        total = sum(round(scores[p, r] * 1000) for p, chosen in zip(proposals, choice) for r in chosen)
        best = total if best is None else max(best, total)
    return best


@st.composite
def instances(draw):
    n_p, n_r = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    proposals, reviewers = [f"p{i}" for i in range(n_p)], [f"r{j}" for j in range(n_r)]
    pairs = [(p, r) for p in proposals for r in reviewers]
    scored = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
    scores = {pair: draw(st.integers(-1000, 1000)) / 1000 for pair in scored}
    conflicts = set(draw(st.lists(st.sampled_from(pairs), max_size=3)))
    groups = draw(st.none() | st.dictionaries(st.sampled_from(reviewers), st.sampled_from(["A", "B"])))
    k = draw(st.integers(1, 2))
    lo = draw(st.integers(0, 2))
    hi = draw(st.integers(max(lo, 1), 3))
    return scores, proposals, reviewers, k, lo, hi, conflicts, groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_flow_is_the_brute_force_optimum(instance):
    scores, proposals, reviewers, k, lo, hi, conflicts, groups = instance
    best = brute_force(scores, proposals, reviewers, k, lo, hi, conflicts, groups)
    try:
        result = assign(scores, k, lo, hi, conflicts, groups, proposals=proposals, reviewers=reviewers)
    except Infeasible:
        assert best is None
        return
    assert best is not None and result.objective == best * 1000  # units of 1e-6
    assert math.isclose(result.total, best / 1000, abs_tol=1e-9)
    assert not {(p.proposal, p.reviewer) for p in result.pairs} & conflicts
    assert all((p.proposal, p.reviewer) in scores for p in result.pairs)
    for proposal in proposals:
        chosen = [p.reviewer for p in result.pairs if p.proposal == proposal]
        assert len(chosen) == len(set(chosen)) == k
        if groups is not None:
            assert len({groups.get(r, r) for r in chosen}) == k
    assert set(result.loads) == set(reviewers) and all(lo <= n <= hi for n in result.loads.values())
    assert result.loads == {r: sum(p.reviewer == r for p in result.pairs) for r in reviewers}


def test_minimum_loads_move_reviews_to_the_less_liked():
    scores = {("p1", "a"): 0.9, ("p1", "b"): 0.1, ("p2", "a"): 0.8, ("p2", "b"): 0.2}
    assert {(p.proposal, p.reviewer) for p in assign(scores, 1, 0, 2).pairs} == {("p1", "a"), ("p2", "a")}
    result = assign(scores, 1, 1, 2)
    assert {(p.proposal, p.reviewer) for p in result.pairs} == {("p1", "a"), ("p2", "b")}
    assert result.total == pytest.approx(1.1) and result.loads == {"a": 1, "b": 1}


def test_conflicts_and_absent_pairs_are_never_assigned_even_when_best():
    scores = [("p1", "a", 1.0), ("p1", "b", 0.1), ("p1", "c", 0.2), ("p2", "a", 0.9), ("p2", "b", 0.5)]
    result = assign(scores, 2, 0, 2, conflicts=[("p1", "a")])
    assert [(p.proposal, p.reviewer) for p in result.pairs] == [("p1", "c"), ("p1", "b"), ("p2", "a"), ("p2", "b")]


def test_one_reviewer_per_employer_on_a_proposal():
    scores = {("p1", "a"): 0.9, ("p1", "b"): 0.8, ("p1", "c"): 0.1}
    assert {p.reviewer for p in assign(scores, 2, 0, 1).pairs} == {"a", "b"}
    assert {p.reviewer for p in assign(scores, 2, 0, 1, one_per_group={"a": "U1", "b": "U1"}).pairs} == {"a", "c"}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 2, 0, 1, one_per_group={"a": "U1", "b": "U1", "c": "U1"})
    assert "p1" in refused.value.en and "one per group" in refused.value.en and "同一单位只计一位" in refused.value.zh


def test_each_pair_has_its_reason():
    scores = {("p1", "a"): 0.9, ("p1", "b"): 0.5, ("p1", "c"): 0.7, ("p2", "b"): 0.4}
    result = assign(scores, 1, 0, 1, conflicts=[("p1", "c")])
    first, second = result.pairs
    assert (first.proposal, first.reviewer, first.rank, first.eligible) == ("p1", "a", 1, 2)
    assert (second.proposal, second.reviewer, second.rank, second.eligible) == ("p2", "b", 1, 1)
    assert first.reason_zh == "匹配分 0.9，在本项目 2 位可选专家中排第 1" and first.reason_en.startswith("score 0.9, ranked 1 of")
    assert result.seconds >= 0 and result.precision == 1e-6


def test_a_second_choice_says_so():
    scores = {("p1", "a"): 0.9, ("p1", "b"): 0.5, ("p2", "a"): 0.8}
    result = assign(scores, 1, 0, 1)
    assert [(p.proposal, p.reviewer, p.rank) for p in result.pairs] == [("p1", "b", 2), ("p2", "a", 1)]


def test_too_few_or_too_many_places_is_refused_with_the_numbers():
    scores = {(f"p{i}", r): 0.5 for i in range(3) for r in "ab"}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 2, 0, 2)
    assert "2 × 3 = 6 reviews are needed, 2 reviewers at 0–2 each give 0–4" in refused.value.en
    assert "需要 2 × 3 = 6 人次" in refused.value.zh
    with pytest.raises(Infeasible, match="give 8–10"):
        assign(scores, 1, 4, 5)


def test_a_proposal_short_of_eligible_reviewers_is_named():
    scores = {("p1", "a"): 0.5, ("p1", "b"): 0.5, ("p2", "a"): 0.5, ("p2", "b"): 0.5, ("p3", "a"): 0.5}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 2, 0, 4, conflicts=[("p2", "b")], proposals=["p0"])
    assert refused.value.en == "3 proposal(s) have fewer than 2 eligible reviewers: p0, p2, p3"
    assert refused.value.zh == "3 个项目的可选专家不足 2 位：p0、p2、p3"


def test_many_short_proposals_are_counted_not_all_named():
    scores = {(f"p{i}", "a"): 0.5 for i in range(8)} | {(f"p{i}", "b"): 0.5 for i in range(8)}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 3, 0, 8, reviewers=["c"])
    assert refused.value.en.endswith("p0, p1, p2, p3, p4 (+3)")


def test_a_reviewer_short_of_eligible_proposals_is_named():
    scores = {("p1", "a"): 0.5, ("p2", "a"): 0.5, ("p1", "b"): 0.5, ("p2", "b"): 0.1}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 1, 1, 2, conflicts=[("p2", "b"), ("p1", "b")])
    assert "1 reviewer(s) have fewer than the minimum load of 1 eligible proposals: b" == refused.value.en


def test_otherwise_the_solver_says_no_assignment_exists():
    # every proposal has an eligible reviewer and the places suffice, but p1 and p2 both need a, who takes one
    scores = {("p1", "a"): 0.5, ("p2", "a"): 0.5, ("p3", "a"): 0.5, ("p3", "b"): 0.5, ("p3", "c"): 0.5}
    with pytest.raises(Infeasible) as refused:
        assign(scores, 1, 0, 1)
    assert refused.value.en == "no assignment satisfies the constraints" and refused.value.zh == "没有满足全部约束的分配方案"


@pytest.mark.parametrize(
    "k, lo, hi, message",
    [
        (0, 0, 1, "k must be between 1 and 100"),
        (101, 0, 1, "k must be"),
        (1, 2, 1, "loads must"),
        (1, -1, 1, "loads must"),
        (1, 0, 0, "loads"),
    ],
)
def test_bad_numbers_are_refused(k, lo, hi, message):
    with pytest.raises(AssignmentError, match=message) as refused:
        assign({("p", "r"): 1.0}, k, lo, hi)
    assert not isinstance(refused.value, Infeasible)


@pytest.mark.parametrize("score", [math.nan, math.inf, 2e6])
def test_scores_must_be_finite_and_bounded(score):
    with pytest.raises(AssignmentError, match="finite"):
        assign({("p", "r"): score}, 1, 0, 1)


def test_a_pair_scored_twice_is_refused():
    with pytest.raises(AssignmentError, match="more than once"):
        assign([("p", "r", 0.1), ("p", "r", 0.2)], 1, 0, 1)


def test_scores_count_in_millionths():
    # 0.0000004 rounds to 0 units, so both are as good; 0.000001 is one unit and wins
    assert assign({("p", "a"): 0.1000004, ("p", "b"): 0.1}, 1, 0, 1).objective == 100000
    assert assign({("p", "a"): 0.100001, ("p", "b"): 0.1}, 1, 0, 1).pairs[0].reviewer == "a"


def integer_program(scores, proposals, reviewers, k, lo, hi, conflicts, groups):
    """The same problem as an integer program (SCIP through OR-tools): an independent optimum, in units of 1e-6."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    x = {pair: solver.BoolVar("") for pair in scores if pair not in conflicts}
    for p in proposals:
        solver.Add(sum(v for (q, _), v in x.items() if q == p) == k)
        for g in set(groups.values()):
            solver.Add(sum(v for (q, r), v in x.items() if q == p and groups.get(r) == g) <= 1)
    for r in reviewers:
        load = sum(v for (_, s), v in x.items() if s == r)
        solver.Add(load >= lo)  # two constraints: a chained comparison would keep only its second half
        solver.Add(load <= hi)
    solver.Maximize(sum(round(scores[pair] * 1e6) * v for pair, v in x.items()))
    return round(solver.Objective().Value()) if solver.Solve() == pywraplp.Solver.OPTIMAL else None


@pytest.mark.parametrize("seed", range(4))
def test_the_flow_is_the_integer_programs_optimum_on_larger_instances(seed):
    rng = random.Random(seed)
    proposals, reviewers = [f"p{i}" for i in range(30)], [f"r{j}" for j in range(20)]
    scores = {(p, r): round(rng.random(), 6) for p in proposals for r in reviewers if rng.random() < 0.5}
    conflicts = set(rng.sample(sorted(scores), 20))
    groups = {r: rng.choice("ABCDEF") for r in reviewers if rng.random() < 0.7}
    expected = integer_program(scores, proposals, reviewers, 3, 3, 6, conflicts, groups)
    result = assign(scores, 3, 3, 6, conflicts, groups, proposals=proposals, reviewers=reviewers)
    assert expected is not None and result.objective == expected


def test_the_engine_imports_without_django():
    code = "import sys, heluo.projects.engine.assignment, heluo.projects.engine.assign_csv\nprint([m for m in sys.modules if m.startswith('django')])"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
