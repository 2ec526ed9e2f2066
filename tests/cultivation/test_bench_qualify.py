"""bench/qualify.py runs end to end at a tiny size and both engine paths agree (no timing is checked)."""

import importlib.util
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "qualify.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_qualify", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_runs_small_and_paths_agree(capsys):
    bench = load_bench()
    assert bench.main(["--enterprises", "300", "--sample", "50"]) == 0
    out = capsys.readouterr().out
    assert "agreement: ok, 50 enterprises × 7 rule sets" in out
    for name in ("hte-2016", "tech-sme-2022", "little-giant-2026", "all in one call", "ratio:"):
        assert name in out


def test_bench_input_is_deterministic_and_plausible():
    bench = load_bench()
    a, b = bench.generate(200, 2025), bench.generate(200, 2025)
    assert a.equals(b)
    assert a["credit_code"].n_unique() == 200
    assert a["year"].is_between(2022, 2024).all()
    # the same registration date in every year of a firm, and no row before it
    reg = pl.col("registered_on")
    per_firm = a.group_by("credit_code").agg(
        reg.n_unique().alias("n"), reg.first().dt.year().alias("reg"), pl.col("year").min().alias("first")
    )
    assert (per_firm["n"] == 1).all() and (per_firm["reg"] <= per_firm["first"]).all()
    assert (a["st_staff"] <= a["total_staff"]).all() and (a["rd_expense_domestic"] <= a["rd_expense"]).all()
    only_csv = bench.generate(50, 2025, extras=False)
    assert "expert_ip_score" in a.columns and "expert_ip_score" not in only_csv.columns


@pytest.mark.slow
def test_bench_cli_part_runs_small_and_agrees_with_the_per_row_reader(capsys):
    bench = load_bench()
    args = ["--part", "cli", "--cli-enterprises", "200", "--sample", "20", "--rulesets", "tech-sme-2022,hte-2016"]
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    assert "anchor: pl.read_csv of the file" in out
    assert out.count("ok (20 enterprises)") == 2 and "DIFFERS" not in out
