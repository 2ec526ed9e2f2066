"""Exact reviewer assignment: every proposal gets k reviewers, every reviewer a load between min_load and max_load,
no conflict, optionally at most one reviewer of a group (an employer) on a proposal; of all such assignments, one
with the best total score. A min-cost flow (OR-tools' SimpleMinCostFlow), not a heuristic.

The network: a node per proposal with a supply of k; a node per reviewer with a demand of min_load; a sink taking
the rest, k × proposals − min_load × reviewers. An arc proposal → reviewer of capacity 1 per scored pair that is not a
conflict, costing the negated score; an arc reviewer → sink of capacity max_load − min_load. In a feasible flow each
proposal sends exactly k units over distinct arcs, and each reviewer keeps min_load of what it receives and passes
at most max_load − min_load on: its load lies in [min_load, max_load]. Every assignment is such a flow, so the cheapest
flow is the best assignment (network matrices are totally unimodular: the flow optimum is integral, and equals the
optimum of the linear relaxation; bench/assign.py checks that with an LP solver). With groups, a proposal's arcs to
two or more reviewers of one group pass through a node of their own, behind an arc of capacity 1.

Costs are integers: a score counts in units of `precision` (heluo/projects/data/assignment.json), rounded. The
assignment is optimal for the rounded scores, so within (assignments × precision) of the optimum of the scores given.
A conflict or a pair absent from the scores is never an arc, so it can never be assigned.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain, count
from operator import itemgetter
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "data" / "assignment.json"
NAMED = 5  # proposals or reviewers named in a refusal; the count says how many more
ZH_LIST = "、"


def settings() -> dict:
    return json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


class AssignmentError(Exception):
    """A request that cannot be answered, in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class Infeasible(AssignmentError):
    """No assignment satisfies the constraints."""


@dataclass(frozen=True)
class Pair:
    proposal: str
    reviewer: str
    score: float
    rank: int  # 1 + the proposal's eligible reviewers with a higher score
    eligible: int  # the proposal's eligible reviewers

    @property
    def reason_zh(self) -> str:
        return f"匹配分 {self.score:.4g}，在本项目 {self.eligible} 位可选专家中排第 {self.rank}"

    @property
    def reason_en(self) -> str:
        return f"score {self.score:.4g}, ranked {self.rank} of the proposal's {self.eligible} eligible reviewers"


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[Pair, ...]  # by proposal (in the order first seen), best score first
    total: float  # the sum of the assigned pairs' scores
    objective: int  # the same in units of precision, rounded: the flow's optimum, negated
    loads: dict[str, int]  # reviewer → assigned proposals
    seconds: float
    precision: float


def _named(ids: list[str], separator: str = ", ") -> str:
    shown = separator.join(ids[:NAMED])
    return shown + (f" (+{len(ids) - NAMED})" if len(ids) > NAMED else "")


def _check_numbers(k: int, min_load: int, max_load: int, limits: dict) -> None:
    if not 1 <= k <= limits["k"]:
        raise AssignmentError(f"k 必须在 1 到 {limits['k']} 之间（{k}）", f"k must be between 1 and {limits['k']} ({k})")
    if not 0 <= min_load <= max_load or not 1 <= max_load <= limits["load"]:
        raise AssignmentError(
            f"工作量须满足 0 ≤ 最少 ≤ 最多 ≤ {limits['load']}，且最多至少为 1（{min_load}，{max_load}）",
            f"loads must satisfy 0 ≤ min ≤ max ≤ {limits['load']} and max ≥ 1 ({min_load}, {max_load})",
        )


def _feasibility(k, min_load, max_load, proposals, reviewers, tails, heads, groups) -> None:
    """Refuse with the reason where one can be told before solving."""
    n_p, n_r = len(proposals), len(reviewers)
    if not n_p or not n_r:
        raise Infeasible("没有项目或没有评审专家", "no proposals or no reviewers")
    if not min_load * n_r <= k * n_p <= max_load * n_r:
        raise Infeasible(
            f"需要 {k} × {n_p} = {k * n_p} 人次，{n_r} 位专家每人 {min_load}–{max_load} 项只能承担 {min_load * n_r}–{max_load * n_r} 人次",
            f"{k} × {n_p} = {k * n_p} reviews are needed, {n_r} reviewers at {min_load}–{max_load} each give {min_load * n_r}–{max_load * n_r}",
        )
    # a proposal's eligible reviewers, counting one per group when at most one of a group may serve
    distinct = tails if groups is None else np.unique(tails * 2 * n_r + groups) // (2 * n_r)
    short = np.flatnonzero(np.bincount(distinct, minlength=n_p) < k)
    if len(short):
        which, which_en = ("", "") if groups is None else ("（同一单位只计一位）", " (one per group)")
        raise Infeasible(
            f"{len(short)} 个项目的可选专家不足 {k} 位{which}：{_named([proposals[i] for i in short], ZH_LIST)}",
            f"{len(short)} proposal(s) have fewer than {k} eligible reviewers{which_en}: {_named([proposals[i] for i in short])}",
        )
    idle = np.flatnonzero(np.bincount(heads, minlength=n_r) < min_load)
    if len(idle):
        raise Infeasible(
            f"{len(idle)} 位专家的可评项目不足最少工作量 {min_load}：{_named([reviewers[j] for j in idle], ZH_LIST)}",
            f"{len(idle)} reviewer(s) have fewer than the minimum load of {min_load} eligible proposals: {_named([reviewers[j] for j in idle])}",
        )


def assign(
    scores: Mapping[tuple[str, str], float] | Iterable[tuple[str, str, float]],
    k: int,
    min_load: int,
    max_load: int,
    conflicts: Iterable[tuple[str, str]] = (),
    one_per_group: Mapping[str, str] | None = None,
    *,
    proposals: Iterable[str] = (),
    reviewers: Iterable[str] = (),
) -> Assignment:
    """The best assignment. `scores`: (proposal, reviewer) → score, or (proposal, reviewer, score) triples; every
    proposal and reviewer in it (and in `proposals`, `reviewers`) takes part. `one_per_group`: reviewer → group (a
    reviewer without one is a group of its own). Raises Infeasible (with the reason) or AssignmentError."""
    started = time.perf_counter()
    config = settings()
    limits, precision = config["limits"], float(config["precision"])
    _check_numbers(k, min_load, max_load, limits)
    if isinstance(scores, Mapping):
        keys, values = list(scores), np.fromiter(scores.values(), np.float64, len(scores))
    else:
        triples = list(scores)
        keys, values = list(map(itemgetter(0, 1), triples)), np.fromiter(map(itemgetter(2), triples), np.float64, len(triples))
    if not np.all(np.abs(values) <= limits["abs_score"]):  # also false for NaN
        raise AssignmentError(
            f"分数须为有限数且绝对值不超过 {limits['abs_score']:,}", f"scores must be finite, |score| ≤ {limits['abs_score']:,}"
        )
    # every proposal and reviewer takes part, even one whose scored pairs are all conflicts (map: C speed)
    proposal_ids = list(dict.fromkeys(chain(proposals, map(itemgetter(0), keys))))
    reviewer_ids = list(dict.fromkeys(chain(reviewers, map(itemgetter(1), keys))))
    n_p, n_r = len(proposal_ids), len(reviewer_ids)
    p_index, r_index = dict(zip(proposal_ids, count())), dict(zip(reviewer_ids, count()))
    tails = np.fromiter(map(p_index.__getitem__, map(itemgetter(0), keys)), np.int64, len(keys))
    heads = np.fromiter(map(r_index.__getitem__, map(itemgetter(1), keys)), np.int64, len(keys))
    pair_keys = np.sort(tails * n_r + heads)
    if np.any(pair_keys[1:] == pair_keys[:-1]):
        raise AssignmentError("同一项目与专家的分数出现了不止一次", "a proposal–reviewer pair is scored more than once")
    banned = {(p, r) for p, r in conflicts}
    if banned:  # a conflict is never an arc
        kept = ~np.fromiter(map(banned.__contains__, keys), bool, len(keys))
        tails, heads, values = tails[kept], heads[kept], values[kept]
    arc_groups = None
    if one_per_group is not None:  # group numbers; a reviewer without a group is one of its own (numbered after the groups)
        names = {g: n for n, g in enumerate(dict.fromkeys(one_per_group[r] for r in reviewer_ids if r in one_per_group))}
        group_of = [names[one_per_group[r]] if r in one_per_group else len(names) + j for j, r in enumerate(reviewer_ids)]
        arc_groups = np.array(group_of, dtype=np.int64)[heads]
    _feasibility(k, min_load, max_load, proposal_ids, reviewer_ids, tails, heads, arc_groups)

    flow = min_cost_flow.SimpleMinCostFlow()
    sink = n_p + n_r
    costs = -np.rint(values / precision).astype(np.int64)
    starts = tails.copy()
    if arc_groups is not None:  # a node per (proposal, group) with two or more arcs, fed by an arc of capacity 1
        slots, inverse, counts = np.unique(tails * 2 * n_r + arc_groups, return_inverse=True, return_counts=True)
        shared = counts[inverse] > 1
        node_of_slot = np.full(len(slots), -1, dtype=np.int64)
        node_of_slot[counts > 1] = sink + 1 + np.arange(np.count_nonzero(counts > 1))
        starts[shared] = node_of_slot[inverse[shared]]
        grouped = np.flatnonzero(counts > 1)
        flow.add_arcs_with_capacity_and_unit_cost(
            slots[grouped] // (2 * n_r),
            node_of_slot[grouped],
            np.ones(len(grouped), dtype=np.int64),
            np.zeros(len(grouped), dtype=np.int64),
        )
    arcs = flow.add_arcs_with_capacity_and_unit_cost(starts, n_p + heads, np.ones(len(heads), dtype=np.int64), costs)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_p, sink), np.full(n_r, sink), np.full(n_r, max_load - min_load, dtype=np.int64), np.zeros(n_r, dtype=np.int64)
    )
    supplies = np.zeros(flow.num_nodes(), dtype=np.int64)
    supplies[:n_p], supplies[n_p:sink], supplies[sink] = k, -min_load, min_load * n_r - k * n_p
    flow.set_nodes_supplies(np.arange(flow.num_nodes()), supplies)
    status = flow.solve()
    if status == flow.INFEASIBLE:
        raise Infeasible("没有满足全部约束的分配方案", "no assignment satisfies the constraints")
    if status != flow.OPTIMAL:
        raise AssignmentError(f"求解器未能求解（状态 {status}）", f"the solver failed (status {status})")

    chosen = np.flatnonzero(flow.flows(arcs) > 0)
    eligible = np.bincount(tails, minlength=n_p)
    by_proposal = values[np.argsort(tails, kind="stable")]
    offsets = np.concatenate([[0], np.cumsum(eligible)])
    pairs = []
    for a in chosen[np.lexsort((-values[chosen], tails[chosen]))]:
        i, s = tails[a], values[a]
        rank = 1 + int(np.count_nonzero(by_proposal[offsets[i] : offsets[i + 1]] > s))
        pairs.append(Pair(proposal_ids[i], reviewer_ids[heads[a]], float(s), rank, int(eligible[i])))
    loads = np.bincount(heads[chosen], minlength=n_r)
    return Assignment(
        pairs=tuple(pairs),
        total=math.fsum(values[chosen]),
        objective=-int(flow.optimal_cost()),
        loads=dict(zip(reviewer_ids, loads.tolist())),
        seconds=time.perf_counter() - started,
        precision=precision,
    )
