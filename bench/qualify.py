#!/usr/bin/env python
"""Benchmark: qualification of N enterprises × three accounting years through every shipped rule set.

Two parts (``--part engine|cli|all``):

engine — generates a synthetic but plausible input table (the columns of `heluo qualify`, plus the
catalogued optional columns unless --no-extras) directly as a Polars frame, timed on its own. Then times the
vectorised engine: all rule sets in one ``evaluate_frames`` call (the headline, run first, so cold), and
each rule set alone (``evaluate_frame``). The baseline, measured in the same run, is the per-row Python
path (``evaluate``) on a sample of enterprises; the ratio of the two is the figure to report. Finally the
sample's rows of the vectorised run are compared with the per-row results.

cli — the whole `heluo qualify` path, file in, file out: the generator's first --cli-enterprises enterprises
(the 22 columns of the command; 333,334 ≈ 1,000,000 enterprise-years, 150 MB) written as CSV. The anchor
is ``pl.read_csv`` of that file; ``qualify_file`` is timed in this process against it (best of three for
--cli-ruleset, once for the others), and ``heluo qualify`` runs in a subprocess, with and without
--detail, for its peak memory. The output with --detail is compared with the per-row reader that the
command had before (tests/cultivation/qualify_oracle.py) on a sample of enterprises.

    .venv/bin/python bench/qualify.py                       # both parts: 1,000,000 enterprises, sample 2,000
    .venv/bin/python bench/qualify.py --part cli            # the command on 333,334 enterprises
    .venv/bin/python bench/qualify.py --enterprises 100000 --sample 500 --rulesets hte-2016,tech-sme-2022

Nothing here asserts a time; the exit code is 1 only when two paths disagree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as `python bench/qualify.py` without installing
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from heluo.core.codes_frame import uscc_check_chars  # noqa: E402
from heluo.cultivation.engine.evaluation import evaluate  # noqa: E402
from heluo.cultivation.engine.frames import evaluate_frame, evaluate_frames, frame_evaluations  # noqa: E402
from heluo.cultivation.engine.rules import STANDARD_INPUTS, extra_input_catalogue, load_ruleset, ruleset_names  # noqa: E402
from heluo.cultivation.qualify_csv import qualify_file  # noqa: E402
from tests.cultivation import qualify_oracle as oracle  # noqa: E402

SEED = 20250101


# ---------------------------------------------------------------------------------------------------
# Synthetic inputs
# ---------------------------------------------------------------------------------------------------
class _Rand:
    """Uniform [0, 1) columns from a seeded hash of a row index: vectorised and deterministic for a given
    Polars version (no numpy in the venv). Every call draws a fresh, independent stream."""

    def __init__(self, seed: int, idx: pl.Expr):
        self.seed, self.idx, self.n = seed, idx, 0

    def u(self) -> pl.Expr:
        self.n += 1
        return (self.idx.hash(self.seed * 1000 + self.n) // (1 << 11)).cast(pl.Float64) / float(1 << 53)

    def between(self, lo: float, hi: float) -> pl.Expr:
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> pl.Expr:
        return self.u() < p

    def holes(self, expr: pl.Expr, p: float) -> pl.Expr:
        """Leaves a share p of the cells unknown (empty in the CSV)."""
        return pl.when(self.u() < p).then(None).otherwise(expr)


def _polars_type(spec) -> pl.DataType:
    # The same dtypes `heluo qualify` gives its frame (qualify_csv.to_frame)
    return {"code": pl.Utf8, "year": pl.Int64, "date": pl.Date, "bool": pl.Boolean}.get(spec.type, pl.Float64)


def generate(n: int, year: int, extras: bool = True, seed: int = SEED) -> pl.DataFrame:
    """One row per enterprise per accounting year Y−3…Y−1 (years before registration are absent, as in a
    real export). Sizes are log-uniform (0.2 M–2 bn yuan of sales); ratios spread across the band edges of
    the rule sets; about 2 % of the figures are unknown."""
    first = year - 3
    e = pl.int_range(n, dtype=pl.UInt64)
    er = _Rand(seed, e)
    base = dt.date(year, 1, 1)
    firms = pl.select(
        e.alias("e"),
        pl.concat_str(pl.lit("91410300M"), e.cast(pl.Utf8).str.zfill(8)).alias("credit_code"),  # 17 of 18 characters
        # ages 0.3–40 years, skewed to young firms (about 1 in 8 younger than three years)
        (pl.lit(base) - pl.duration(days=((0.3 + 39.7 * er.u().pow(1.4)) * 365.25).cast(pl.Int64))).alias("registered_on"),
        (er.between(12.2, 21.4)).exp().alias("size"),  # latest-year sales, log-uniform 0.2 M – 2 bn
        er.between(0.75, 1.45).alias("growth"),  # yearly sales growth factor
        er.u().pow(1.5).mul(0.12).alias("rd_share"),  # R&D over sales, 0–12 %, most below 5 %
        er.between(0.02, 0.55).alias("st_share"),
        er.between(3e5, 2e6).alias("sales_per_head"),
        er.u().alias("hitech_share"),
        er.between(0.4, 2.5).alias("asset_turn"),
        er.between(-0.15, 0.8).alias("equity_share"),
        pl.when(er.chance(0.3)).then(0.0).otherwise((er.u() * 8).floor() + 1).alias("hitech_field"),
        er.u().pow(3).mul(15).floor().alias("ip1_level"),
        er.chance(0.15).alias("has_valid_hte"),
        er.chance(0.1).alias("provincial_rd_institution"),
        er.chance(0.01).alias("national_award_5y"),
        er.chance(0.05).alias("led_standard_5y"),
    )
    firms = firms.with_columns(pl.col("credit_code") + uscc_check_chars(firms["credit_code"]))  # valid codes (GB 32100)
    years = pl.DataFrame({"year": list(range(first, year))}, schema={"year": pl.Int64})
    long = firms.join(years, how="cross").filter(pl.col("registered_on").dt.year() <= pl.col("year"))
    r = _Rand(seed + 1, pl.col("e") * 3 + (pl.col("year") - first).cast(pl.UInt64))
    back = (year - 1 - pl.col("year")).cast(pl.Float64)  # 0 for Y−1, 2 for Y−3
    sales = (pl.col("size") / pl.col("growth").pow(back) * r.between(0.9, 1.1)).round(0)
    long = long.with_columns(sales.alias("sales_revenue"))
    s = pl.col("sales_revenue")
    staff = (s / pl.col("sales_per_head")).floor().clip(3, None)
    rd = (s * pl.col("rd_share") * r.between(0.8, 1.2)).round(0)
    income = (s * r.between(1.0, 1.12)).round(0)
    assets = (s / pl.col("asset_turn")).round(0)
    long = long.with_columns(staff.alias("total_staff"), rd.alias("rd_expense"), income.alias("total_income"), assets.alias("total_assets"))
    long = long.with_columns(
        (pl.col("total_staff") * pl.col("st_share")).floor().alias("st_staff"),
        (pl.col("rd_expense") * r.between(0.4, 1.0)).floor().alias("rd_expense_domestic"),
        (pl.col("total_income") * pl.col("hitech_share") * r.between(0.85, 1.0)).round(0).alias("hitech_income"),
        (s * r.between(0.7, 1.15)).round(0).alias("cost_total"),
        (pl.col("total_assets") * pl.col("equity_share") * r.between(0.9, 1.1)).round(0).alias("net_assets"),
        (pl.col("ip1_level") * r.between(0.6, 1.0)).floor().alias("ip_class1"),
        (r.u() * 25).floor().alias("ip_class2"),
        (r.u().pow(2) * 10).floor().alias("transformations"),
        r.chance(0.01).alias("major_violation"),
    )
    # unknown cells: measured figures and the yearly flags (not the key columns nor the field)
    holes = [
        c for c, spec in STANDARD_INPUTS.items() if spec.per_year and spec.type in ("count", "money", "bool") and c != "major_violation"
    ]
    long = long.with_columns([r.holes(pl.col(c), 0.02).alias(c) for c in holes])
    cols = list(STANDARD_INPUTS)
    if extras:
        extra = _extras(r)
        long = long.with_columns(extra)
        cols += [x.meta.output_name() for x in extra]
    specs = {**STANDARD_INPUTS, **extra_input_catalogue()}
    return long.select([pl.col(c).cast(_polars_type(specs[c])) for c in cols])


def _extras(r: _Rand) -> list[pl.Expr]:
    """Every catalogued optional column: expert scores and declarations often missing, the rest mostly given."""
    s = pl.col("sales_revenue")
    special = {
        "main_revenue": (s * r.between(0.75, 1.0)).round(0),
        "net_profit": (s * r.between(-0.1, 0.25)).round(0),
        "rd_staff": (pl.col("st_staff") * r.between(0.3, 1.0)).floor(),
        "ip_class1_high_value": (pl.col("ip_class1") * r.u()).floor(),
        "ip_class1_own": (pl.col("ip_class1") * r.between(0.5, 1.0)).floor(),
        "ip_class1_applied": (pl.col("ip_class1") * r.u()).floor(),
        "niche_years": (r.u() * 20).floor(),
        "market_share": r.u().pow(4) * 0.6,
        "market_rank_cn": (r.u().pow(2) * 60).floor() + 1,
        "equity_financing_3y": pl.when(r.chance(0.85)).then(0.0).otherwise((s * r.u()).round(0)),
        "equity_financing_2y": pl.when(r.chance(0.88)).then(0.0).otherwise((s * r.u()).round(0)),
    }
    # declarations are nearly always met but often not given; capabilities are common, honours rare
    declared = ("resident_enterprise", "industry_eligible", "integrity_ok")
    common = (
        "info_system",
        "certification",
        "own_brand",
        "chain_key",
        "product_field_ok",
        "own_rd_institution",
        "strategic_emerging",
        "market_leading",
    )
    out = []
    for name, spec in extra_input_catalogue().items():
        if name in special:
            x, p = special[name], 0.05
        elif name in declared:
            x, p = r.chance(0.97), 0.4
        elif name in common:
            x, p = r.chance(0.55), 0.2
        elif spec.type == "bool":
            x, p = r.chance(0.12), 0.2
        elif spec.range is not None:  # expert scores and levels: whole numbers in their range
            lo, hi = spec.range
            x, p = (lo + r.u() * (hi - lo + 1)).floor().clip(lo, hi), 0.3
        elif spec.type in ("count", "score"):
            x, p = (r.u() * 10).floor(), 0.1
        else:
            x, p = r.u(), 0.1
        out.append(r.holes(x, p).alias(name))
    return out


# ---------------------------------------------------------------------------------------------------
# The two paths
# ---------------------------------------------------------------------------------------------------
def per_row_inputs(df: pl.DataFrame, codes: list[str]) -> dict[str, dict[int, dict]]:
    """{credit_code: {accounting year: {column: value}}}, the shape ``evaluate`` takes."""
    out: dict[str, dict[int, dict]] = {c: {} for c in codes}
    for row in df.filter(pl.col("credit_code").is_in(codes)).iter_rows(named=True):
        code, y = row.pop("credit_code"), row.pop("year")
        out[code][y] = row
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["engine", "cli", "all"], default="all")
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000, help="enterprises evaluated row by row (baseline)")
    parser.add_argument("--rulesets", default=None, help="comma-separated names (default: every shipped one)")
    parser.add_argument("--year", type=int, default=2025, help="year of evaluation Y (reads Y-3…Y-1)")
    parser.add_argument("--no-extras", action="store_true", help="only the columns of `heluo qualify` (issue 4)")
    parser.add_argument("--cli-enterprises", type=int, default=None, help="enterprises in the CLI's file (default: 333,334 or fewer)")
    parser.add_argument("--cli-ruleset", default="tech-sme-2022", help="the rule set timed best of three against the anchor")
    args = parser.parse_args(argv)
    names = args.rulesets.split(",") if args.rulesets else ruleset_names()
    rulesets = [load_ruleset(n) for n in names]
    code = engine_part(args, rulesets) if args.part in ("engine", "all") else 0
    if args.part in ("cli", "all"):
        n = args.cli_enterprises or min(args.enterprises, 333_334)
        code = max(code, cli_part(n, args.year, names, args.cli_ruleset, args.sample))
    return code


def engine_part(args, rulesets) -> int:
    n, year = args.enterprises, args.year

    t = time.perf_counter()
    df = generate(n, year, extras=not args.no_extras)
    gen_s = time.perf_counter() - t
    print(
        f"generated {n:,} enterprises: {df.height:,} enterprise-years × {df.width} columns in {gen_s:.2f} s "
        f"(Polars {pl.__version__}, {pl.thread_pool_size()} threads)"
    )

    # vectorised: all rule sets sharing one pivot (the figure to report, run first, cold), then each alone
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    frames = evaluate_frames(rulesets, df, year)
    all_s, all_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"\n{'rule set':<22}{'seconds':>9}{'cpu s':>8}{'enterprises/s':>15}{'pass':>10}{'fail':>10}{'undetermined':>14}")
    alone = {}
    for rs in rulesets:
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        frame = evaluate_frame(rs, df, year)
        alone[rs.name], cpu = time.perf_counter() - t, time.process_time() - c
        got = dict(frame["result"].value_counts().iter_rows())
        print(
            f"{rs.name:<22}{alone[rs.name]:>8.2f}s{cpu:>8.2f}{n / alone[rs.name]:>15,.0f}{got.get(True, 0):>10,}"
            f"{got.get(False, 0):>10,}{got.get(None, 0):>14,}"
        )
        del frame
    sum_s = sum(alone.values())
    print(f"{'sum of the above':<22}{sum_s:>8.2f}s{'':>8}{n / sum_s:>15,.0f}")
    print(
        f"{'all in one call':<22}{all_s:>8.2f}s{all_cpu:>8.2f}{n / all_s:>15,.0f}   "
        f"(evaluate_frames: {len(rulesets)} rule sets, one shared pivot; run first)"
    )
    print("cpu s: CPU time of this process over all its threads (up to 2 × seconds when Polars has both cores to itself)")

    # baseline: the per-row path on a sample, timed per rule set over the same enterprises
    codes_all = df["credit_code"].unique(maintain_order=True)
    k = min(args.sample, codes_all.len())
    picks = sorted(random.Random(SEED).sample(range(codes_all.len()), k))
    codes = codes_all.gather(picks).to_list()
    t = time.perf_counter()
    inputs = per_row_inputs(df, codes)
    prep_s = time.perf_counter() - t
    scalar, row_s, row_cpu = {}, {}, 0.0
    for rs in rulesets:
        t, c = time.perf_counter(), time.process_time()
        scalar[rs.name] = {code: evaluate(rs, inputs[code], year, credit_code=code) for code in codes}
        row_s[rs.name] = time.perf_counter() - t
        row_cpu += time.process_time() - c
    row_total = sum(row_s.values())
    print(f"\nper-row baseline (engine.evaluate), sample of {k:,} enterprises (building their input dicts: {prep_s:.2f} s, not counted):")
    print(f"{'rule set':<22}{'seconds':>9}{'enterprises/s':>15}{'x per-row':>11}")
    for rs in rulesets:
        vec_rate, row_rate = n / alone[rs.name], k / row_s[rs.name]
        print(f"{rs.name:<22}{row_s[rs.name]:>8.2f}s{row_rate:>15,.0f}{vec_rate / row_rate:>11.0f}")
    row_rate = k / row_total
    print(f"{'all rule sets':<22}{row_total:>8.2f}s{row_rate:>15,.0f}{(n / all_s) / row_rate:>11.0f}   (cpu {row_cpu:.2f} s)")
    print(
        f"\nratio: vectorised, all rule sets in one call, {n / all_s:,.0f} enterprises/s vs per-row {row_rate:,.0f}"
        f" enterprises/s = {(n / all_s) / row_rate:,.0f}× (by CPU time {(n / all_cpu) / (k / row_cpu):,.0f}×); "
        f"at the per-row rate {n:,} enterprises would take {n / row_rate:,.0f} s instead of {all_s:.2f} s"
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (other work on the machine slows both paths)")

    # agreement: the sample's rows of the full vectorised run against the per-row results
    bad = []
    for rs in rulesets:
        rows = frames[rs.name].filter(pl.col("credit_code").is_in(codes))
        vector = {ev.credit_code: ev for ev in frame_evaluations(rs, rows, year)}
        bad += [(rs.name, c) for c in codes if vector.get(c) != scalar[rs.name][c]]
    checked = k * len(rulesets)
    if bad:
        print(f"agreement: FAILED, {len(bad):,} of {checked:,} evaluations differ, e.g. {bad[:5]}")
        return 1
    print(f"agreement: ok, {k:,} enterprises × {len(rulesets)} rule sets = {checked:,} evaluations identical in both paths")
    return 0


# ---------------------------------------------------------------------------------------------------
# The whole command, file in, file out
# ---------------------------------------------------------------------------------------------------
def cli_part(n: int, year: int, names: list[str], headline: str, sample: int) -> int:
    with tempfile.TemporaryDirectory(prefix="heluo-bench-qualify-") as tmp:
        src, out = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        t = time.perf_counter()
        df = generate(n, year, extras=False)
        df.write_csv(src)
        mb = src.stat().st_size / 1e6
        print(
            f"\nwhole CLI path: {n:,} enterprises, {df.height:,} enterprise-years, {df.width} columns, {mb:,.0f} MB CSV "
            f"(written in {time.perf_counter() - t:.1f} s)"
        )
        _, anchor_mb = _subprocess(f"import polars as pl\npl.read_csv({str(src)!r})")
        print(f"anchor: pl.read_csv of the file; peak memory {anchor_mb:,.0f} MB in a process of its own")
        print(
            f"\n{'rule set':<22}{'read s':>8}{'qualify s':>11}{'× read':>8}{'by cpu':>8}"
            f"{'heluo qualify':>15}{'peak MB':>9}{'--detail':>10}{'peak MB':>9}   agreement"
        )
        codes = df["credit_code"].unique(maintain_order=True)
        picks = codes.gather(sorted(random.Random(SEED).sample(range(codes.len()), min(sample, codes.len()))))
        df.filter(pl.col("credit_code").is_in(picks.implode())).write_csv(Path(tmp) / "sample.csv")
        del df
        bad = 0
        for name in [headline, *(x for x in names if x != headline)]:
            rs = load_ruleset(name)
            read, run = _paired(lambda: pl.read_csv(src), lambda rs=rs: qualify_file(rs, year, src, out), 3 if name == headline else 1)
            command = ["--ruleset", name, "--year", str(year), str(src), str(out)]
            run_s, run_mb = _subprocess(f"from heluo.cultivation.qualify_csv import main\nassert main({command!r}) == 0")
            detail_s, detail_mb = _subprocess(
                f"from heluo.cultivation.qualify_csv import main\nassert main({['--detail', *command]!r}) == 0"
            )
            agree = _agrees(rs, year, Path(tmp), out, picks)
            bad += not agree
            print(
                f"{name:<22}{read[0]:>7.2f}s{run[0]:>10.2f}s{run[0] / read[0]:>7.1f}×{run[1] / read[1]:>7.1f}×"
                f"{run_s:>14.2f}s{run_mb:>9,.0f}{detail_s:>9.2f}s{detail_mb:>9,.0f}   {'ok' if agree else 'DIFFERS'} ({picks.len():,} enterprises)"
            )
    print(
        "read s: pl.read_csv of the file (the anchor); qualify s: qualify_file in this process, file in, file out, no --detail\n"
        "(each the best of three, taken in turns, for the first rule set; once each for the others); × read: their ratio,\n"
        "by cpu: the ratio of their CPU times (less moved by other work on the machine); heluo qualify: the command in a\n"
        "subprocess, Python's start-up included; agreement: the output with --detail for the sampled enterprises equals\n"
        "the per-row reader's (tests/cultivation/qualify_oracle.py). Goal (issue 11): ≤ 3× the read, ≤ 1,500 MB.\n"
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    return 1 if bad else 0


def _paired(anchor, run, times: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The fastest (wall, cpu) of each, run in turns so that both meet the same load."""
    best = [None, None]
    for _ in range(times):
        for i, f in enumerate((anchor, run)):
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            f()
            took = (time.perf_counter() - t, time.process_time() - c)
            best[i] = took if best[i] is None or took < best[i] else best[i]
    return best[0], best[1]


def _subprocess(code: str) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of Python running ``code`` in a process of its own, start-up included.
    The peak is the process's own high-water mark (VmHWM): a child's ru_maxrss starts at its parent's size."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    peak = "import re, sys\nprint(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", f"{code}\n{peak}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"{code} failed: {done.stderr[-2000:]}")
    return seconds, int(done.stderr.split()[-1]) / 1024  # kB


def _agrees(rs, year: int, tmp: Path, full_out: Path, picks: pl.Series) -> bool:
    """The sampled enterprises' rows of the whole file's output (--detail) against the oracle on their rows alone."""
    qualify_file(rs, year, tmp / "in.csv", full_out, detail=True)
    errors, _ = oracle.qualify_file(rs, year, tmp / "sample.csv", tmp / "oracle.csv")
    if errors:
        return False
    mine = pl.read_csv(full_out, infer_schema=False).filter(pl.col("credit_code").is_in(picks.implode()))
    return mine.equals(pl.read_csv(tmp / "oracle.csv", infer_schema=False))


if __name__ == "__main__":
    sys.exit(main())
