#!/usr/bin/env python
"""Benchmark: build the demo (`heluo demo --no-serve`) on a fresh database and time its phases.

Prints wall and CPU seconds for each phase (schema and reference data, generation, accounts, cultivation
pools, vouchers, brokering), the whole command, and the database's size. The build is single-threaded Python, so its CPU
seconds change little with other load on the machine; a fixed pure-Python anchor timed in the same run shows
how contended the machine was (wall ÷ CPU of the anchor: 1.0 is an idle core).

    .venv/bin/python bench/demo.py                          # city size on SQLite, as `./dev.sh demo` builds it
    .venv/bin/python bench/demo.py --size province --db postgres
    PG_URL=postgres://postgres@127.0.0.1:5432/heluo_bench  (default) names the PostgreSQL database to recreate
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/heluo_bench")
PHASES = (
    "schema + reference",
    "  of which migrate",
    "generation",
    "accounts",
    "cultivation pools",
    "vouchers",
    "brokering",
    "whole command",
)


def recreate_pg(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_size(url) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def anchor() -> tuple[float, float]:
    """(wall, CPU) seconds of a fixed pure-Python workload: dicts, floats and JSON, as the build does."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(300_000):
        json.dumps({"state": "fail", "value": i * 0.5, "threshold": [i, i + 1], "inputs": {"a": i, "b": None}})
    return time.perf_counter() - wall, time.process_time() - cpu


def child(size: str):
    """Run `heluo demo --no-serve` in this process, timing the phases; print them as JSON on the last line."""
    timings = {}

    def timed(module, name, label):
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                w, c = timings.get(label, (0.0, 0.0))
                timings[label] = (w + time.perf_counter() - wall, c + time.process_time() - cpu)

        setattr(module, name, wrapper)

    wall, cpu = time.perf_counter(), time.process_time()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heluo.settings")
    import django

    django.setup()
    import heluo.core.setup
    import heluo.demo.management.commands.demo as command
    from heluo.cli import main
    from heluo.demo import accounts, brokering, cultivation, generator, vouchers

    timed(command, "ensure_database", "schema + reference")
    timed(heluo.core.setup, "call_command", "  of which migrate")
    timed(generator, "generate", "generation")
    timed(accounts, "ensure_accounts", "accounts")
    timed(cultivation, "build_demo_cultivation", "cultivation pools")
    timed(vouchers, "build_demo_vouchers", "vouchers")
    timed(brokering, "build_demo_brokering", "brokering")
    with open(os.devnull, "w") as quiet:
        sys.stdout, sys.stderr = quiet, quiet
        main(["demo", "--no-serve", "--size", size])
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    timings["whole command"] = (time.perf_counter() - wall, time.process_time() - cpu)
    print(json.dumps(timings))


def run(size: str, db: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if db == "postgres":
            recreate_pg(PG_URL)
            url = PG_URL
        else:
            url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
        env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--size", size], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        outside = time.perf_counter() - started
        if out.returncode:
            sys.exit(f"the demo build failed:\n{out.stderr[-3000:]}")
        timings = json.loads(out.stdout.strip().splitlines()[-1])
        size_bytes = pg_size(url) if db == "postgres" else (Path(tmp) / "demo.sqlite3").stat().st_size
    return {"timings": timings, "process_wall": outside, "size": size_bytes}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="city", choices=["small", "city", "province"])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.size)
    before = anchor()
    result = run(args.size, args.db)
    after = anchor()
    print(f"heluo demo --size {args.size} on {args.db}")
    print(f"  {'phase':<20} {'wall s':>8} {'CPU s':>8}")
    timings = result["timings"]
    for label in PHASES:
        wall, cpu = timings.get(label, (0.0, 0.0))
        print(f"  {label:<20} {wall:8.1f} {cpu:8.1f}")
    print(f"  process from start to exit: {result['process_wall']:.1f} s wall")
    print(f"  database size: {result['size'] / 2**20:,.0f} MB")
    for name, (wall, cpu) in (("before", before), ("after", after)):
        print(f"  anchor {name}: {cpu:.2f} s CPU in {wall:.2f} s wall (contention ×{wall / cpu:.2f})")


if __name__ == "__main__":
    main()
