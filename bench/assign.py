#!/usr/bin/env python
"""Benchmark: the exact reviewer assignment (heluo/projects/engine/assignment.py), speed and optimality.

A seeded synthetic instance of the size of openreview-matcher's slow one (issue 13: 2,623 proposals × 1,373 reviewers)
in openreview's format: affinity-like scores (topic mixtures of proposals and reviewers, their cosine plus noise,
in [0, 1]), each proposal scored against --per-proposal reviewers (1,373: dense), some conflicts (a share of the
scored pairs, drawn among the high scores as co-authors' would be), optionally employers (--employers N: at most one
of an employer's reviewers on a proposal). The files go through `heluo assign`'s own code
(reading, solving, writing), then through the command line itself.

Optimality, checked independently: the linear relaxation of the same problem (integer scores in the solver's units)
solved by an LP solver (HiGHS through OR-tools' pywraplp); the transportation polytope is integral, so an LP optimum
equal to the flow's optimum proves the flow's assignment optimal. A greedy baseline (best pairs first, up to k per
proposal and max-load per reviewer) shows what the exact solution is worth.

    .venv/bin/python bench/assign.py                              # 2,623 × 1,373, 300 scored reviewers per proposal
    .venv/bin/python bench/assign.py --per-proposal 1373          # dense: every pair scored
    .venv/bin/python bench/assign.py --k 3 --min-load 3 --max-load 8 --no-lp
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from heluo.projects.engine.assign_csv import assign_files  # noqa: E402
from heluo.projects.engine.assignment import settings  # noqa: E402


def instance(proposals, reviewers, per_proposal, conflict_share, seed=13):
    """(proposal ids, reviewer ids, scored pairs as index arrays and scores, conflicting pair positions)."""
    rng = np.random.default_rng(seed)
    topics = 25
    p_mix = rng.dirichlet(np.full(topics, 0.3), proposals)
    r_mix = rng.dirichlet(np.full(topics, 0.3), reviewers)
    p_mix /= np.linalg.norm(p_mix, axis=1, keepdims=True)
    r_mix /= np.linalg.norm(r_mix, axis=1, keepdims=True)
    tails, heads, scores = [], [], []
    for i in range(proposals):
        chosen = rng.choice(reviewers, per_proposal, replace=False) if per_proposal < reviewers else np.arange(reviewers)
        affinity = r_mix[chosen] @ p_mix[i] + rng.normal(0, 0.05, len(chosen))
        tails.append(np.full(len(chosen), i)), heads.append(chosen), scores.append(np.clip(affinity, 0, 1).round(4))
    tails, heads, scores = np.concatenate(tails), np.concatenate(heads), np.concatenate(scores)
    high = np.flatnonzero(scores > np.quantile(scores, 0.8))
    conflicts = rng.choice(high, int(conflict_share * len(scores)), replace=False)
    return [f"P{i:05d}" for i in range(proposals)], [f"~Reviewer_{j:05d}" for j in range(reviewers)], tails, heads, scores, conflicts


def write_files(folder, pids, rids, tails, heads, scores, conflicts, employers):
    with open(folder / "scores.csv", "w", encoding="utf-8") as fh:
        fh.writelines(f"{pids[i]},{rids[j]},{s:.4f}\n" for i, j, s in zip(tails.tolist(), heads.tolist(), scores.tolist()))
    with open(folder / "conflicts.csv", "w", encoding="utf-8") as fh:
        fh.writelines(f"{pids[tails[a]]},{rids[heads[a]]},-1\n" for a in conflicts.tolist())
    with open(folder / "groups.csv", "w", encoding="utf-8") as fh:
        fh.writelines(f"{rids[j]},U{g}\n" for j, g in enumerate(employers.tolist()))


def lp_optimum(n_p, n_r, tails, heads, units, k, min_load, max_load, employers=None):
    """The linear relaxation's optimum (in the solver's units), and its time."""
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    name = "HiGHS" if pywraplp.Solver.CreateSolver("HIGHS") else "GLOP"
    solver = pywraplp.Solver.CreateSolver(name.upper())
    solver.SuppressOutput()
    x = [solver.NumVar(0, 1, "") for _ in range(len(units))]
    per_proposal = [solver.Constraint(k, k) for _ in range(n_p)]
    per_reviewer = [solver.Constraint(min_load, max_load) for _ in range(n_r)]
    objective = solver.Objective()
    for var, i, j, u in zip(x, tails.tolist(), heads.tolist(), units.tolist()):
        per_proposal[i].SetCoefficient(var, 1)
        per_reviewer[j].SetCoefficient(var, 1)
        objective.SetCoefficient(var, u)
    if employers is not None:  # at most one reviewer of an employer on a proposal
        slots = {}
        for var, i, j in zip(x, tails.tolist(), heads.tolist()):
            slots.setdefault((i, employers[j]), []).append(var)
        for shared in (v for v in slots.values() if len(v) > 1):
            constraint = solver.Constraint(0, 1)
            for var in shared:
                constraint.SetCoefficient(var, 1)
    objective.SetMaximization()
    built = time.perf_counter() - started
    status = solver.Solve()
    assert status == pywraplp.Solver.OPTIMAL, status
    fractional = sum(1 for var in x if 1e-6 < var.solution_value() < 1 - 1e-6)
    return objective.Value(), name, built, time.perf_counter() - started - built, fractional


def greedy(n_p, n_r, tails, heads, scores, k, min_load, max_load, employers=None):
    started = time.perf_counter()
    given, load, total, taken = np.zeros(n_p, dtype=int), np.zeros(n_r, dtype=int), 0.0, set()
    for a in np.argsort(-scores, kind="stable").tolist():
        i, j = tails[a], heads[a]
        slot = (i, employers[j] if employers is not None else -1 - j)
        if given[i] < k and load[j] < max_load and slot not in taken:
            given[i] += 1
            load[j] += 1
            total += scores[a]
            taken.add(slot)
    short = int(np.count_nonzero(given < k))
    under = int(np.count_nonzero(load < min_load))
    return total, short, under, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2623)
    parser.add_argument("--reviewers", type=int, default=1373)
    parser.add_argument("--per-proposal", type=int, default=300, help="scored reviewers per proposal (1373: dense)")
    parser.add_argument("--conflicts", type=float, default=0.01, help="share of the scored pairs that are conflicts")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--min-load", type=int, default=2)
    parser.add_argument("--max-load", type=int, default=9)
    parser.add_argument("--employers", type=int, default=0, help="reviewers' employers, at most one of each per proposal (0: off)")
    parser.add_argument("--no-lp", action="store_true", help="skip the LP check")
    parser.add_argument("--no-cli", action="store_true", help="skip the run through the command line")
    args = parser.parse_args()
    k, lo, hi = args.k, args.min_load, args.max_load

    pids, rids, tails, heads, scores, conflicts = instance(args.proposals, args.reviewers, args.per_proposal, args.conflicts)
    employers = np.random.default_rng(14).integers(0, args.employers, len(rids)) if args.employers else None
    print(
        f"instance: {len(pids):,} proposals × {len(rids):,} reviewers, {len(scores):,} scored pairs, {len(conflicts):,} conflicts; "
        f"k = {k}, loads {lo}–{hi} ({k * len(pids):,} reviews for {lo * len(rids):,}–{hi * len(rids):,} places)"
    )
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_files(folder, pids, rids, tails, heads, scores, conflicts, np.zeros(len(rids), dtype=int) if employers is None else employers)
        groups = folder / "groups.csv" if args.employers else None
        size = (folder / "scores.csv").stat().st_size
        started = time.perf_counter()
        result, _, banned = assign_files(folder / "scores.csv", folder / "out.csv", k, lo, hi, folder / "conflicts.csv", groups)
        whole = time.perf_counter() - started
        loads = list(result.loads.values())
        print(
            f"exact (min-cost flow): total {result.total:.4f}, {len(result.pairs):,} assignments, loads {min(loads)}–{max(loads)}; "
            f"solver {result.seconds:.2f} s, read + solve + write {whole:.2f} s ({size / 1e6:.0f} MB of scores)"
        )
        assigned = {(p.proposal, p.reviewer) for p in result.pairs}
        conflicting = {(pids[tails[a]], rids[heads[a]]) for a in conflicts.tolist()}
        print(f"conflicts assigned: {len(assigned & conflicting)} (of {banned:,} read)")
        if not args.no_cli:
            env = {n: v for n, v in os.environ.items() if n != "DATABASE_URL"} | {"PYTHONPATH": str(ROOT)}
            command = [sys.executable, "-m", "heluo.cli", "assign", folder / "scores.csv", folder / "cli.csv"]
            command += ["--k", str(k), "--min-load", str(lo), "--max-load", str(hi), "--conflicts", folder / "conflicts.csv"]
            command += ["--groups", groups] if groups else []
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            print(
                f"`heluo assign` (exit {done.returncode}) in {time.perf_counter() - started:.2f} s: {done.stdout.strip() or done.stderr.strip()}"
            )
            same = (folder / "cli.csv").read_bytes() == (folder / "out.csv").read_bytes()
            print(f"the command's file is the same as the engine's: {same}")

    keep = np.ones(len(scores), dtype=bool)
    keep[conflicts] = False
    tails, heads, scores = tails[keep], heads[keep], scores[keep]
    total, short, under, seconds = greedy(len(pids), len(rids), tails, heads, scores, k, lo, hi, employers)
    print(
        f"greedy (best pairs first): total {total:.4f} ({100 * (total / result.total - 1):+.2f}% of the optimum) in {seconds:.2f} s; "
        f"{short:,} proposals short of {k} reviewers, {under:,} reviewers under {lo}"
    )
    if not args.no_lp:
        units = np.rint(scores / settings()["precision"]).astype(np.int64)
        value, solver, built, solved, fractional = lp_optimum(len(pids), len(rids), tails, heads, units, k, lo, hi, employers)
        print(
            f"LP relaxation ({solver}): optimum {value:,.1f} units, the flow's {result.objective:,} units "
            f"(difference {value - result.objective:+.3f}); built in {built:.1f} s, solved in {solved:.1f} s; "
            f"{fractional} fractional variables"
        )


if __name__ == "__main__":
    main()
