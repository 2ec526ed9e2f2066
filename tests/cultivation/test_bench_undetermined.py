"""bench/undetermined.py runs at a tiny size: against the checkout's own commit nothing changes."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "undetermined.py"


def test_bench_undetermined_against_head(capsys):
    spec = importlib.util.spec_from_file_location("bench_undetermined", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    before = bench.ruleset_at("HEAD", "hte-2016")
    if before is None:  # not a git checkout
        return
    assert bench.main(["--enterprises", "60", "--before", "HEAD", "--no-expert-scores"]) == 0
    out = capsys.readouterr().out
    assert "hte-2016" in out and "no decided result changed" in out
