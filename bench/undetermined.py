#!/usr/bin/env python
"""How many "undetermined" results a change to the shipped rule sets decides, on held-out synthetic firms.

Generates firms with bench/qualify.py's generator under a seed of its own (firms no test or benchmark was
tuned on), evaluates every shipped rule set as it is at a git revision (``--before``, default main) and as
it is in this checkout, and prints the results before and after. Columns that only the newer rule sets read
as expert scores are dropped, so "after" shows what the data alone decides; ``--no-expert-scores`` drops
every expert score (the registry's case: nobody has scored yet).

    .venv/bin/python bench/undetermined.py                       # 2,000 held-out firms, against main
    .venv/bin/python bench/undetermined.py --enterprises 100000 --no-expert-scores

A result that was pass or fail must stay so (the bounds only tighten); the exit code is 1 if one changed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as `python bench/undetermined.py` without installing
    sys.path.insert(0, str(ROOT))

from heluo.cultivation.engine.frames import evaluate_frames  # noqa: E402
from heluo.cultivation.engine.rules import RULESET_DIR, RuleSetError, load_ruleset, parse_ruleset, ruleset_names  # noqa: E402

HELD_OUT_SEED = 20260611  # not bench/qualify.py's SEED
WORDS = {True: "pass", False: "fail", None: "undetermined"}


def _generator():
    spec = importlib.util.spec_from_file_location("bench_qualify", Path(__file__).with_name("qualify.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def ruleset_at(rev: str, name: str):
    """The rule set ``name`` as committed at ``rev`` (None if it did not exist there)."""
    path = (RULESET_DIR / f"{name}.json").relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    return parse_ruleset(json.loads(shown.stdout))


def expert_columns(rs) -> set[str]:
    return {col for col, _ in rs.reads if col.startswith("expert_")}


def _pfu(c: Counter) -> str:
    return f"{c['pass']:,}/{c['fail']:,}/{c['undetermined']:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=2_000)
    parser.add_argument("--before", default="main", help="git revision of the earlier rule sets (default main)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    parser.add_argument("--no-expert-scores", action="store_true", help="drop every expert score column")
    args = parser.parse_args(argv)

    pairs = []
    for name in ruleset_names():
        try:
            before = ruleset_at(args.before, name)
        except RuleSetError as e:
            print(f"{name}: the version at {args.before} does not load here ({e}); skipped")
            continue
        if before is not None:
            pairs.append((before, load_ruleset(name)))
    old_experts = set().union(*(expert_columns(b) for b, _ in pairs))
    new_experts = set().union(*(expert_columns(a) for _, a in pairs)) - old_experts
    df = _generator()(args.enterprises, args.year, seed=args.seed)
    drop = (old_experts | new_experts) if args.no_expert_scores else new_experts
    df = df.drop([c for c in drop if c in df.columns])
    print(f"{args.enterprises:,} held-out firms (seed {args.seed}), rule sets at {args.before} vs this checkout")
    print(f"expert score columns dropped: {', '.join(sorted(drop)) or 'none'}\n")

    frames_before = evaluate_frames([b for b, _ in pairs], df, args.year)
    frames_after = evaluate_frames([a for _, a in pairs], df, args.year)
    print(f"{'rule set':<22}{'before p/f/u':>22}{'after p/f/u':>22}{'u→fail':>8}{'u→pass':>8}{'changed':>9}")
    broken = 0
    for before, after in pairs:
        b = frames_before[before.name]["result"].to_list()
        a = frames_after[after.name]["result"].to_list()
        moves = Counter((WORDS[x], WORDS[y]) for x, y in zip(b, a, strict=True))
        changed = sum(n for (x, y), n in moves.items() if x != y and x != "undetermined")
        broken += changed
        counts = [_pfu(Counter(map(WORDS.get, x))) for x in (b, a)]
        decided = [moves["undetermined", "fail"], moves["undetermined", "pass"]]
        print(f"{after.name:<22}{counts[0]:>22}{counts[1]:>22}{decided[0]:>8,}{decided[1]:>8,}{changed:>9,}")
    if broken:
        print(f"\n{broken:,} results that were decided changed: the change is not a pure tightening")
        return 1
    print("\nno decided result changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
